import Foundation
import Testing
import TestSupport

/// Runs the built `patchlab` binary the way a reviewer would from a shell: each subcommand on real
/// threads, its JSON shape, and the exit codes of design §8 (0 ok, 1 findings, 2 usage/input error).
@Suite(.enabled(if: CLI.skipReason == nil, "needs a built patchlab (.build/debug/patchlab or PATCHLAB_BIN)"))
struct CLITests {
    @Test func parseSeedPrintsOneThreadWithItsAuthor() throws {
        let r = try CLI.run(["parse", Repo.sharedFile("threads/seed-lkml-web.txt").path])
        #expect(r.status == 0)
        #expect(r.stdoutText.contains("Lorenzo Stoakes"))
        #expect(r.stdoutText.contains("Re: [PATCH v2 1/4] mm: Introduce vm_uffd_ops API"))
        #expect(r.stdoutText.contains("2025-06-30 11:17"))
    }

    @Test func parseJSONHasMessagesAndNestedThreads() throws {
        let path = Repo.sharedFile("threads/vm_uffd_ops/v2-thread.mbox").path
        let r = try CLI.run(["parse", path, "--json"])
        #expect(r.status == 0)
        let root = try #require(try JSONSerialization.jsonObject(with: r.stdout) as? [String: Any])
        let messages = try #require(root["messages"] as? [[String: Any]])
        #expect(messages.count == 17)
        let first = try #require(messages.first)
        for key in ["messageId", "subject", "from", "date", "inReplyTo", "references", "defects"] {
            #expect(first.keys.contains(key), "message JSON lacks \(key)")
        }
        let from = try #require(first["from"] as? [String: Any])
        #expect(from["email"] as? String == "peterx@redhat.com")
        #expect((first["date"] as? String)?.hasSuffix("Z") == true)
        let threads = try #require(root["threads"] as? [[String: Any]])
        #expect(threads.count == 1)
        #expect(threads.first?["messageId"] as? String == "20250627154655.2085903-1-peterx@redhat.com")
        #expect((threads.first?["children"] as? [Any])?.isEmpty == false)
    }

    @Test func parseReadsStandardInput() throws {
        let data = try Data(contentsOf: Repo.sharedFile("threads/vm_uffd_ops/020-v2-re1-lorenzo-aaaca9d4.eml"))
        let r = try CLI.run(["parse", "-", "--json"], stdin: data)
        #expect(r.status == 0)
        #expect(r.stdoutText.contains("aaaca9d4-b8df-45b8-a3a4-a431c99f26c7@lucifer.local"))
    }

    /// A diff piped in from git (`git diff | patchlab comments -`) is one patch named after its file.
    @Test func aDiffPipedInIsOnePatch() throws {
        let diff = "diff --git a/mm/userfaultfd.c b/mm/userfaultfd.c\n--- a/mm/userfaultfd.c\n+++ b/mm/userfaultfd.c\n"
            + "@@ -1,2 +1,2 @@\n int a;\n-int b;\n+long b;\n"
        let r = try CLI.run(["comments", "-"], stdin: Data(diff.utf8))
        #expect(r.status == 0, "\(r.stderrText)")
        #expect(r.stdoutText.contains("== mm/userfaultfd.c"))
        #expect(r.stdoutText.hasSuffix("1 patch, 0 comments (0 on lines)\n"))
        let parsed = try CLI.run(["parse", "-", "--json"], stdin: Data(diff.utf8))
        #expect(parsed.stdoutText.contains("\"format\" : \"bareDiff\""))
        #expect(parsed.stdoutText.contains("synthesisedHeaders"))
    }

    @Test(arguments: [
        ("missing file", "/nonexistent/patchlab-no-such.mbox"),
        ("a directory that is not a Maildir", "/"),
    ])
    func inputErrorsExitTwoWithOneLine(_ name: String, _ path: String) throws {
        let r = try CLI.run(["parse", path])
        #expect(r.status == 2, "\(name)")
        let lines = r.stderrText.split(separator: "\n")
        #expect(lines.count == 1, "\(name): \(r.stderrText)")
        #expect(r.stderrText.contains(path), "\(name): the error names the file")
    }

    @Test func garbageInputIsNamedAndEscaped() throws {
        let scratch = try ScratchDirectory("patchlab-cli")
        defer { scratch.remove() }
        let file = scratch.file("garbage.bin")
        // ESC and a C1 CSI must not reach the terminal through the error message.
        try Data([0x1B, 0x5B, 0x32, 0x4A, 0xC2, 0x9B, 0x00, 0xFF, 0xFE, 0x01] + Array(repeating: 0x07, count: 40))
            .write(to: file)
        let r = try CLI.run(["parse", file.path])
        #expect(r.status == 2)
        #expect(!r.stderr.contains(0x1B))
        #expect(!r.stderrText.unicodeScalars.contains { (0x80...0x9F).contains($0.value) })
        #expect(r.stderrText.contains(file.path))
    }

    @Test func commentsOnTheSeedAreAnchored() throws {
        let r = try CLI.run(["comments", Repo.sharedFile("threads/seed-lkml-web.txt").path, "--json"])
        #expect(r.status == 0)
        let root = try #require(try JSONSerialization.jsonObject(with: r.stdout) as? [String: Any])
        let comments = try #require(root["comments"] as? [[String: Any]])
        #expect(comments.count == 14)
        let kinds = comments.compactMap { ($0["anchor"] as? [String: Any])?["kind"] as? String }
        #expect(kinds.filter { $0 == "commitMessage" }.count == 6)
        #expect(kinds.filter { $0 == "line" }.count == 8)
        let patches = try #require(root["patches"] as? [[String: Any]])
        #expect(patches.first?["partial"] as? Bool == true)
    }

    @Test func simJSONOfOneRunHasTheStepShape() throws {
        let r = try CLI.run(["sim", "--design", "P2", "--scenario", "S12", "--json"])
        #expect(r.status == 0)
        let run = try #require(try JSONSerialization.jsonObject(with: r.stdout) as? [String: Any])
        #expect(run["design"] as? String == "P2")
        #expect(run["scenario"] as? String == "S12")
        let steps = try #require(run["steps"] as? [[String: Any]])
        let register = try #require(steps.first { $0["op"] as? String == "register" })
        #expect(register["ioctls"] as? Int == 0x1bc)
        let cont = try #require(steps.first { $0["op"] as? String == "continue" })
        #expect(cont["errno"] as? String == "EINVAL", "P2 refuses CONTINUE on a private mapping")
        #expect(run["warnings"] is [Any])
    }

    @Test func simMatrixJSONCoversEveryPresetAndScenario() throws {
        let r = try CLI.run(["sim", "--matrix", "--json"])
        #expect(r.status == 0)
        let runs = try #require(try JSONSerialization.jsonObject(with: r.stdout) as? [[String: Any]])
        let designs = Set(runs.compactMap { $0["design"] as? String })
        #expect(designs.isSuperset(of: ["D0", "P2", "P4", "M"]))
        let scenarios = Set(runs.compactMap { $0["scenario"] as? String })
        for i in 1...22 { #expect(scenarios.contains("S\(i)"), "S\(i) missing from the matrix") }
    }

    @Test func simScriptErrorsNameTheLine() throws {
        let scratch = try ScratchDirectory("patchlab-cli")
        defer { scratch.remove() }
        let script = scratch.file("bad.uffd")
        try "mmap a anon pages=1\napi\nregister a mode=sideways\n".write(to: script, atomically: true, encoding: .utf8)
        let r = try CLI.run(["sim", "--script", script.path])
        #expect(r.status == 2)
        #expect(r.stderrText.contains("3"), "the error names line 3: \(r.stderrText)")
    }

    @Test func simStrictExitsOneOnWarnings() throws {
        // B1: a buggy module that takes mmap_lock inside its copy hook (P2 lets it exist).
        let r = try CLI.run(["sim", "--design", "P2", "--scenario", "S8", "--strict"])
        #expect(r.status == 1, "warnings with --strict are findings")
        #expect(r.stdoutText.contains("WARNING") || r.stdoutText.contains("BUG"))
    }

    @Test func unknownDesignIsAUsageError() throws {
        let r = try CLI.run(["sim", "--design", "Q9"])
        #expect(r.status == 2)
    }

    @Test func exportWithoutASessionSaysWhereItLooked() throws {
        let scratch = try ScratchDirectory("patchlab-cli")
        defer { scratch.remove() }
        let input = Repo.root.appendingPathComponent("reviews/demo-vm_uffd_ops.mbox").path
        let r = try CLI.run(["export", input, "--format", "markdown", "--out", scratch.url.path], cwd: scratch.url)
        #expect(r.status == 2)
        #expect(r.stderrText.contains("session.json"), "\(r.stderrText)")
        let written = try FileManager.default.contentsOfDirectory(atPath: scratch.url.path)
        #expect(written.isEmpty, "nothing is written when there is nothing to export")
    }
}

enum CLI {
    static var binary: URL {
        if let p = ProcessInfo.processInfo.environment["PATCHLAB_BIN"] { return URL(fileURLWithPath: p) }
        return Repo.productsDirectory.appendingPathComponent("patchlab")
    }

    static var skipReason: String? {
        FileManager.default.isExecutableFile(atPath: binary.path) ? nil : "patchlab is not built at \(binary.path)"
    }

    static func run(_ args: [String], stdin: Data? = nil, cwd: URL? = nil) throws -> ToolResult {
        try Tool.run(binary.path, args, stdin: stdin, cwd: cwd, environment: ["NO_COLOR": "1"])
    }
}
