import Foundation
import Testing
import TestSupport

/// Drives the built `patchlab` binary in a detached tmux (160×48): go to a comment, follow its link
/// to the model, toggle the knob until a scenario outcome changes, quit.
enum E2E {
    static var binary: URL {
        if let p = ProcessInfo.processInfo.environment["PATCHLAB_BIN"] { return URL(fileURLWithPath: p) }
        return Repo.productsDirectory.appendingPathComponent("patchlab")
    }
    static var demo: URL { Repo.root.appendingPathComponent("reviews/demo-vm_uffd_ops.mbox") }
    static var skipReason: String? {
        if !Tool.available("tmux") { return "tmux is not installed" }
        if !FileManager.default.isExecutableFile(atPath: binary.path) { return "patchlab is not built at \(binary.path)" }
        if !FileManager.default.fileExists(atPath: demo.path) { return "the demo review is missing" }
        return nil
    }
    static var ready: Bool { skipReason == nil }
}

/// A private tmux server (own socket) running one patchlab session.
struct TmuxSession {
    let socket = "patchlab-e2e-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    let name = "e2e"
    let env = ["LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "TERM": "xterm-256color"]

    func tmux(_ args: [String]) throws -> ToolResult {
        try Tool.run("tmux", ["-L", socket, "-f", "/dev/null"] + args, environment: env)
    }

    /// Starts the server and the session with `posix_spawn` + `waitpid`: the server outlives the
    /// call, so nothing here may wait on pipes or on a run loop the daemon could hold up.
    func start(_ command: String) throws {
        let args = ["tmux", "-L", socket, "-f", "/dev/null", "new-session", "-d", "-s", name, "-x", "160", "-y", "48", command]
        var environment = ProcessInfo.processInfo.environment
        for (k, v) in env { environment[k] = v }
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        let argv = args.map { strdup($0) } + [nil]
        defer {
            for p in envp { free(p) }
            for p in argv { free(p) }
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for fd: Int32 in [0, 1, 2] { posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0) }
        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, "tmux", &actions, nil, argv, envp)
        try #require(rc == 0, "posix_spawnp tmux: \(rc)")
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        #expect(status == 0, "tmux new-session failed: \(status)")
    }

    func keys(_ k: String...) throws { _ = try tmux(["send-keys", "-t", name] + k) }

    func capture() throws -> [String] {
        try tmux(["capture-pane", "-p", "-t", name]).stdoutText.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    /// Polls the pane until `predicate` holds (at most ~10 s); returns the last capture.
    @discardableResult
    func waitFor(_ what: String, _ predicate: ([String]) -> Bool) throws -> [String] {
        var last: [String] = []
        for _ in 0..<100 {
            last = try capture()
            if predicate(last) { return last }
            usleep(100_000)
        }
        Issue.record("timed out waiting for \(what); screen:\n\(last.joined(separator: "\n"))")
        return last
    }

    var alive: Bool { (try? tmux(["has-session", "-t", name]).status) == 0 }

    func kill() { _ = try? tmux(["kill-server"]) }
}

@Suite(.serialized) struct TmuxEndToEndTests {
    @Test(.enabled(if: E2E.ready, "needs tmux on PATH, the demo in reviews/ and a built patchlab (.build/debug/patchlab or PATCHLAB_BIN)"))
    func commentLinkKnobToggleAndQuit() throws {
        let scratch = try ScratchDirectory("patchlab-e2e")
        defer { scratch.remove() }
        let tmux = TmuxSession()
        defer { tmux.kill() }
        let cmd = "cd '\(scratch.url.path)' && exec '\(E2E.binary.path)' '\(E2E.demo.path)' --session '\(scratch.file("session.json").path)'"
        try tmux.start(cmd)
        try tmux.waitFor("the first frame") { $0.contains { $0.contains("Thread (") } }

        // Go to a comment: next patch, then next comment.
        try tmux.keys("]")
        try tmux.keys(".")
        let onComment = try tmux.waitFor("a comment in the status line") { $0.last { !$0.isEmpty }?.contains("comment by") == true }
        #expect(onComment.contains { $0.contains("» ") })

        // Follow its link: either straight to the model or through the link list.
        try tmux.keys("o")
        var screen = try tmux.waitFor("the link list or the model") { s in
            s.contains { $0.contains("Follow link") } || s.contains { $0.contains("identifier `") || $0.contains("phrase \"") }
        }
        if screen.contains(where: { $0.contains("Follow link") }) {
            try tmux.keys("Enter")
            screen = try tmux.waitFor("the model focused") { !$0.contains { $0.contains("Follow link") } }
        }

        // Toggle the focused knob until some scenario outcome is marked as changed.
        var changed = false
        for _ in 0..<6 where !changed {
            let before = try tmux.capture()
            try tmux.keys("Space")
            screen = try tmux.waitFor("a re-simulation") { s in s != before && s.contains { $0.contains("re-simulated") } }
            changed = screen.contains { line in
                line.split(separator: "│").contains { $0.hasPrefix("*S") }
            }
        }
        #expect(changed, "no scenario outcome changed; screen:\n\(screen.joined(separator: "\n"))")

        // Quit: something is unsaved (the design changed), so it asks; answer "quit without saving".
        try tmux.keys("q")
        try tmux.waitFor("the quit question") { $0.contains { $0.contains("Quit?") } }
        try tmux.keys("y")
        for _ in 0..<50 where tmux.alive { usleep(100_000) }
        #expect(!tmux.alive, "patchlab did not exit")
    }

    /// A typed note is autosaved at once, a manual link and an export are made, and after a
    /// restart both the note and the link are back.
    @Test(.enabled(if: E2E.ready, "needs tmux on PATH, the demo in reviews/ and a built patchlab (.build/debug/patchlab or PATCHLAB_BIN)"))
    func noteLinkExportSurviveARestart() throws {
        let scratch = try ScratchDirectory("patchlab-e2e")
        defer { scratch.remove() }
        let session = scratch.file("session.json")
        let cmd = "cd '\(scratch.url.path)' && exec '\(E2E.binary.path)' '\(E2E.demo.path)' --session '\(session.path)'"
        func statusLine(_ s: [String]) -> String { s.last { !$0.isEmpty } ?? "" }

        let first = TmuxSession()
        defer { first.kill() }
        try first.start(cmd)
        try first.waitFor("the first frame") { $0.contains { $0.contains("Thread (") } }
        try first.keys("]")
        try first.keys(".")
        try first.waitFor("a comment") { statusLine($0).contains("comment by") }
        try first.keys("a")
        try first.keys("-l", "e2e note survives")
        try first.keys("Enter")
        try first.waitFor("the autosave") { statusLine($0).contains("saved 1 note") }
        #expect(FileManager.default.fileExists(atPath: session.path))

        try first.keys("L")
        try first.waitFor("the link prompt") { $0.contains { $0.contains("Link this line to") } }
        try first.keys("Enter")
        try first.waitFor("the link saved") { statusLine($0).contains("(added by you)") && statusLine($0).contains("saved") }

        try first.keys("x")
        try first.waitFor("the export prompt") { $0.contains { $0.contains("Export notes as") } }
        try first.keys("m")
        let exported = try first.waitFor("the export") { statusLine($0).contains("exported 1 note to ") }
        #expect(statusLine(exported).contains(scratch.url.lastPathComponent))
        let names = try FileManager.default.contentsOfDirectory(atPath: scratch.url.path)
        #expect(names.contains { $0.hasSuffix("-notes.md") }, "\(names)")

        // Nothing is unsaved: q quits at once.
        try first.keys("q")
        for _ in 0..<50 where first.alive { usleep(100_000) }
        #expect(!first.alive, "patchlab did not exit on q with everything saved")

        let second = TmuxSession()
        defer { second.kill() }
        try second.start(cmd)
        let opened = try second.waitFor("the first frame") { $0.contains { $0.contains("Thread (") } }
        #expect(statusLine(opened).contains("1 note —") && !statusLine(opened).contains("1 notes"), "\(statusLine(opened))")
        try second.keys("]")
        try second.keys(".")
        try second.waitFor("the note back under its comment") { $0.contains { $0.contains("e2e note survives") } }
        try second.keys("L")
        try second.waitFor("the link still there") { $0.contains { $0.contains("✓ ") } }
        try second.keys("Escape")
        try second.keys("q")
        for _ in 0..<50 where second.alive { usleep(100_000) }
        #expect(!second.alive)
    }
}
