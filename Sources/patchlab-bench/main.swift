// patchlab-bench: prints speed and memory figures (never asserted by tests).
//
// One run measures, on the same generated mbox: patchlab's full pipeline, patchlab's split
// alone, `git mailsplit`, and the Python stdlib baseline, then the TUI, model and scale
// figures. Every patchlab phase runs in a child process (this binary with `--phase`), so each
// peak RSS (getrusage ru_maxrss of that child) belongs to that phase alone.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Command-line options of the bench.
struct BenchOptions {
    var sizeMB = 100
    var quick = false
    var huge = false
    var hugeMB = 1024
    var repeats = 3
    var threadMessages = 100_000
    var phaseTimeout = 600.0
    var phase: String?
    var file: String?
    var workDir: String?

    static func parse(_ args: [String]) -> BenchOptions {
        var o = BenchOptions()
        var i = 1
        func value() -> String? {
            i += 1
            return i < args.count ? args[i] : nil
        }
        while i < args.count {
            switch args[i] {
            case "--size-mb": o.sizeMB = value().flatMap(Int.init) ?? o.sizeMB
            case "--quick": o.quick = true
            case "--huge": o.huge = true
            case "--huge-mb": o.hugeMB = value().flatMap(Int.init) ?? o.hugeMB
            case "--repeats": o.repeats = max(1, value().flatMap(Int.init) ?? o.repeats)
            case "--thread-messages": o.threadMessages = value().flatMap(Int.init) ?? o.threadMessages
            case "--phase-timeout": o.phaseTimeout = value().flatMap(Double.init) ?? o.phaseTimeout
            case "--phase": o.phase = value()
            case "--file": o.file = value()
            case "--work-dir": o.workDir = value()
            case "-h", "--help":
                say("""
                usage: patchlab-bench [--size-mb N] [--quick] [--huge [--huge-mb N]] [--repeats N] [--work-dir DIR]
                  --size-mb N   size of the generated corpus mbox (default 100)
                  --quick       20 MB corpus, one repeat, no Python baseline on repeats
                  --huge        also parse a 1 GB mbox (generated once) and report its peak RSS
                  --repeats N   runs per patchlab/git phase; the best is printed (default 3)
                  --thread-messages N  size of the big-thread figure (default 100000; --quick: 10000)
                  --phase-timeout S    stop a patchlab phase after S seconds (default 600)
                  --work-dir    where generated inputs live (default .build/bench under the repo)
                """)
                exit(0)
            default:
                FileHandle.standardError.write(Data("patchlab-bench: unknown argument \(args[i])\n".utf8))
                exit(2)
            }
            i += 1
        }
        if o.quick {
            o.sizeMB = min(o.sizeMB, 20)
            o.repeats = 1
            o.threadMessages = min(o.threadMessages, 10_000)
        }
        return o
    }
}

/// Writes one line to standard output unbuffered, so progress shows while later phases run.
func say(_ line: String = "") {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// Wall-clock seconds from a monotonic clock.
func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// Peak resident set of this process so far, in KiB.
func peakRSSKiB() -> Int {
    var u = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &u)
    return Int(u.ru_maxrss)
}

/// CPU seconds (user + system) used by this process so far.
func cpuSeconds() -> Double {
    var u = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &u)
    return Double(u.ru_utime.tv_sec) + Double(u.ru_utime.tv_usec) / 1e6
        + Double(u.ru_stime.tv_sec) + Double(u.ru_stime.tv_usec) / 1e6
}

/// CPU seconds (user + system) used by reaped children of this process so far.
func childCPUSeconds() -> Double {
    var u = rusage()
    getrusage(__rusage_who_t(RUSAGE_CHILDREN.rawValue), &u)
    return Double(u.ru_utime.tv_sec) + Double(u.ru_utime.tv_usec) / 1e6
        + Double(u.ru_stime.tv_sec) + Double(u.ru_stime.tv_usec) / 1e6
}

/// Result of an external program run.
struct RunResult {
    var status: Int32
    var stdout: String
    var stderr: String
    /// Wall seconds from spawn to exit.
    var seconds: Double
    /// CPU seconds (user + system) of the child, from RUSAGE_CHILDREN before and after.
    var cpu: Double
}

/// Runs a program (looked up on PATH unless absolute), timing it from spawn to exit.
/// A child still running after `timeout` seconds is terminated (status 15).
func run(_ program: String, _ args: [String], cwd: String? = nil, timeout: Double? = nil) -> RunResult {
    let p = Process()
    if program.hasPrefix("/") {
        p.executableURL = URL(fileURLWithPath: program)
        p.arguments = args
    } else {
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [program] + args
    }
    if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    let start = now()
    let cpu0 = childCPUSeconds()
    do {
        try p.run()
    } catch {
        return RunResult(status: -1, stdout: "", stderr: "\(error)", seconds: 0, cpu: 0)
    }
    let killer = DispatchWorkItem { [p] in if p.isRunning { p.terminate() } }
    if let timeout { DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: killer) }
    defer { killer.cancel() }
    // Drain both pipes concurrently so a chatty child cannot block on a full pipe.
    let errBox = DataBox()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async {
        errBox.data = err.fileHandleForReading.readDataToEndOfFile()
        group.leave()
    }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    p.waitUntilExit()
    let seconds = now() - start
    return RunResult(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                     stderr: String(decoding: errBox.data, as: UTF8.self), seconds: seconds,
                     cpu: childCPUSeconds() - cpu0)
}

/// A mutable holder for data read on another thread (joined before use).
final class DataBox: @unchecked Sendable {
    var data = Data()
}

/// Parses `key=value key=value` output lines of a phase into a dictionary (last line wins).
func keyValues(_ text: String) -> [String: String] {
    var d: [String: String] = [:]
    for line in text.split(separator: "\n") where line.contains("=") {
        for field in line.split(separator: " ") {
            let kv = field.split(separator: "=", maxSplits: 1)
            if kv.count == 2 { d[String(kv[0])] = String(kv[1]) }
        }
    }
    return d
}

/// The repository root: the nearest directory above the working directory holding Package.swift.
func repoRoot() -> String {
    var url = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    while url.path != "/" {
        if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url.path }
        url.deleteLastPathComponent()
    }
    return FileManager.default.currentDirectoryPath
}

/// Path of this executable (for spawning phase children).
func selfPath() -> String {
    (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
}

func fileSize(_ path: String) -> Int {
    ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
}

/// Generates an input with bench/make-corpus.py unless it already exists.
func ensureInput(_ path: String, _ modeArgs: [String], root: String) -> Bool {
    if FileManager.default.fileExists(atPath: path), fileSize(path) > 0 { return true }
    let r = run("python3", ["\(root)/bench/make-corpus.py"] + modeArgs + ["--out", path])
    if r.status != 0 {
        say("  could not generate \(path): \(r.stderr.prefix(400))")
        return false
    }
    say("  generated " + r.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
    return true
}

func fmt(_ x: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", x) }
func mb(_ bytes: Int) -> Double { Double(bytes) / 1_000_000 }
func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
func verdict(_ ok: Bool?) -> String {
    switch ok {
    case .some(true): return "meets"
    case .some(false): return "MISSES"
    case .none: return "n/a"
    }
}

/// Runs a phase in a child process `repeats` times and returns the fastest run's figures.
func childPhase(_ name: String, file: String, repeats: Int, timeout: Double) -> [String: String]? {
    var best: [String: String]?
    for _ in 0..<repeats {
        let r = run(selfPath(), ["--phase", name, "--file", file], timeout: timeout)
        if r.status == 15 || r.seconds >= timeout {
            say("  phase \(name) on \((file as NSString).lastPathComponent) stopped after \(fmt(r.seconds, 0)) s (--phase-timeout)")
            return best
        }
        if r.status != 0 {
            say("  phase \(name) failed (status \(r.status)): \(r.stderr.prefix(600))")
            return best
        }
        var kv = keyValues(r.stdout)
        kv["child_cpu"] = String(format: "%.4f", r.cpu)
        if kv["unavailable"] != nil {
            say("  phase \(name): \(kv["unavailable"] ?? "") (not measured)")
            return nil
        }
        if let b = best, let s = Double(b["cpu"] ?? b["seconds"] ?? ""), let t = Double(kv["cpu"] ?? kv["seconds"] ?? ""), s <= t { continue }
        best = kv
    }
    return best
}

func main() {
    let opts = BenchOptions.parse(CommandLine.arguments)
    if let phase = opts.phase {
        // Child mode: run one phase, print `key=value` figures, exit.
        let out = Phases.run(phase, file: opts.file ?? "")
        say(out.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: " "))
        exit(0)
    }

    let root = repoRoot()
    let work = opts.workDir ?? "\(root)/.build/bench"
    try? FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    say("patchlab-bench  (figures only; targets from design §9 and peers.md §4)")
    say("machine: \(ProcessInfo.processInfo.activeProcessorCount) cores, phases run one at a time on one core each")

    let corpus = "\(work)/corpus-\(opts.sizeMB)mb.mbox"
    guard ensureInput(corpus, ["--size-mb", "\(opts.sizeMB)"], root: root) else { exit(1) }
    let bytes = fileSize(corpus)
    say("input: \(corpus)  \(fmt(mb(bytes))) MB\n")

    // 1. patchlab full pipeline.
    let full = childPhase("full", file: corpus, repeats: opts.repeats, timeout: opts.phaseTimeout)
    // 1b. the mail layer alone (kept in memory), to show how the pipeline's time and memory divide.
    let mailOnly = childPhase("mail", file: corpus, repeats: opts.repeats, timeout: opts.phaseTimeout)
    // 2. patchlab split only.
    let split = childPhase("split", file: corpus, repeats: opts.repeats, timeout: opts.phaseTimeout)
    // 2b. split plus per-message parsing, streamed (the 1 GB path).
    let splitParse = childPhase("split-parse", file: corpus, repeats: opts.repeats, timeout: opts.phaseTimeout)
    // 3. git mailsplit into a temp dir (a subprocess; best of the repeats).
    var git: Figures?
    for _ in 0..<opts.repeats {
        let dir = "\(work)/mailsplit-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let r = run("git", ["mailsplit", "-o\(dir)", corpus])
        if r.status == 0 {
            let f = Figures(wall: r.seconds, cpu: r.cpu,
                            messages: Int(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)), rssKiB: nil)
            if git == nil || f.cpu < git?.cpu ?? .infinity { git = f }
        } else {
            say("  git mailsplit failed: \(r.stderr.prefix(200))")
        }
        try? FileManager.default.removeItem(atPath: dir)
    }
    // 4. Python stdlib baseline (once: it is slow). It times its own parse loop.
    let py = run("python3", ["\(root)/bench/python-baseline.py", corpus])
    let pyKV = py.status == 0 ? keyValues(py.stdout) : [:]
    if py.status != 0 { say("  python baseline failed: \(py.stderr.prefix(300))") }
    let python = Figures(pyKV)
    let fullF = full.flatMap(Figures.init)
    let splitF = split.flatMap(Figures.init)

    say("wall = elapsed seconds; cpu = user+sys seconds of that process (the one-core figure on a shared machine)")
    say(pad("phase", 32) + pad("wall s", 9) + pad("cpu s", 9) + pad("MB/s cpu", 10) + pad("MB/s wall", 11)
          + pad("msgs/s cpu", 12) + pad("msgs", 8) + pad("peak RSS MB", 13) + "target")
    func row(_ name: String, _ f: Figures?, _ target: String) {
        guard let f, f.cpu > 0 else {
            say(pad(name, 32) + "not measured")
            return
        }
        let rate = f.messages.map { fmt(Double($0) / f.cpu, 0) } ?? "-"
        let rss = f.rssKiB.map { fmt(Double($0) * 1024 / 1_000_000, 0) } ?? "-"
        say(pad(name, 32) + pad(fmt(f.wall, 3), 9) + pad(fmt(f.cpu, 3), 9) + pad(fmt(mb(bytes) / f.cpu), 10)
              + pad(fmt(mb(bytes) / f.wall), 11) + pad(rate, 12) + pad(f.messages.map { String($0) } ?? "-", 8)
              + pad(rss, 13) + target)
    }
    row("patchlab full pipeline", fullF, "≥100 MB/s one core; RSS ≤ 2× input (\(fmt(2 * mb(bytes), 0)) MB)")
    row("  of which mail layer alone", mailOnly.flatMap(Figures.init), "(split, headers, MIME, threading)")
    row("patchlab split only", splitF, "≥ git mailsplit")
    row("patchlab split + parse (stream)", splitParse.flatMap(Figures.init), "")
    row("git mailsplit (subprocess)", git, "peers.md: ~225 MB/s")
    row("python mailbox+email (stdlib)", python, "peers.md: ~29 MB/s")
    if let full {
        let detail = full.filter { !["seconds", "messages", "maxrss_kb", "cpu", "child_cpu"].contains($0.key) }
            .map { "\($0.key)=\($0.value)" }.sorted().joined(separator: " ")
        if !detail.isEmpty { say("  full pipeline: \(detail)") }
    }
    if let k = split?["kind"] { say("  split phase measures: \(k)") }
    say("")
    if let f = fullF {
        say("throughput  full pipeline: \(fmt(mb(bytes) / f.cpu)) MB/s per core-second (\(fmt(mb(bytes) / f.wall)) MB/s wall)  target ≥100 MB/s: \(verdict(mb(bytes) / f.cpu >= 100))")
        if let rss = f.rssKiB {
            let ratio = Double(rss) * 1024 / Double(bytes)
            say("peak RSS    full pipeline: \(fmt(ratio, 2))× input  target ≤2×: \(verdict(ratio <= 2))")
        }
        if let p = python {
            say("ratio       patchlab/python: \(fmt(p.cpu / f.cpu))× (cpu), \(fmt(p.wall / f.wall))× (wall)  target ≥10×: \(verdict(p.cpu / f.cpu >= 10))")
        }
    }
    if let s = splitF, let g = git {
        say("ratio       split vs git mailsplit: \(fmt(g.cpu / s.cpu, 2))× as fast (cpu), \(fmt(g.wall / s.wall, 2))× (wall)  target ≥1×: \(verdict(g.cpu / s.cpu >= 1))")
    }
    if let fc = full?["messages"], let gc = git?.messages, let pc = pyKV["messages"] {
        say("counts      patchlab \(fc) / git mailsplit \(gc) / python \(pc) messages")
    }

    // TUI, model and scale figures (children too).
    say("")
    let m1000 = "\(work)/messages-1000.mbox"
    if ensureInput(m1000, ["--messages", "1000"], root: root), let t = childPhase("tui", file: m1000, repeats: opts.repeats, timeout: opts.phaseTimeout) {
        printTimes(t, [("first_frame_ms", "TUI first frame, 1,000-message mbox", "≤200 ms"),
                       ("render_ms", "TUI full-screen render (median)", "≤1 ms"),
                       ("knob_ms", "TUI knob toggle → redrawn frame", "≤16 ms")])
    }
    if let m = childPhase("model", file: "", repeats: opts.repeats, timeout: opts.phaseTimeout) {
        printTimes(m, [("matrix_ms", "model full design × scenario matrix", "≤1000 ms")])
    }
    let thread = "\(work)/thread-\(opts.threadMessages).mbox"
    if ensureInput(thread, ["--thread", "\(opts.threadMessages)"], root: root), let t = childPhase("thread", file: thread, repeats: 1, timeout: opts.phaseTimeout) {
        printTimes(t, [("open_ms", "open a \(opts.threadMessages)-message thread", "(parse + review)"),
                       ("first_frame_ms", "  its first TUI frame", "")])
    }
    let big = "\(work)/patch-50000-lines.mbox"
    if ensureInput(big, ["--patch-lines", "50000"], root: root), let t = childPhase("scroll", file: big, repeats: 1, timeout: opts.phaseTimeout) {
        printTimes(t, [("open_ms", "open a 50,000-line patch", ""),
                       ("scroll_frame_ms", "  scroll one page → frame (median)", "≤16 ms")])
    }
    compareWithB4(work: work, root: root, opts: opts)
    if opts.huge {
        let huge = "\(work)/corpus-\(opts.hugeMB)mb.mbox"
        if ensureInput(huge, ["--size-mb", "\(opts.hugeMB)"], root: root), let h = childPhase("full", file: huge, repeats: 1, timeout: opts.phaseTimeout),
           let s = Double(h["seconds"] ?? "") {
            let hb = fileSize(huge)
            let rss = Double(Int(h["maxrss_kb"] ?? "") ?? 0) * 1024
            say(pad("huge: \(fmt(mb(hb), 0)) MB full pipeline", 44) + "\(fmt(s, 2)) s  \(fmt(mb(hb) / s)) MB/s  "
                  + "\(h["messages"] ?? "-") msgs  peak RSS \(fmt(rss / 1e6, 0)) MB (\(fmt(rss / Double(hb), 2))× input, target ≤2×)")
            if let st = childPhase("split-parse", file: huge, repeats: 1, timeout: opts.phaseTimeout),
               let ss = Double(st["seconds"] ?? "") {
                let srss = Double(Int(st["maxrss_kb"] ?? "") ?? 0) * 1024
                say(pad("huge: same file streamed (split + parse)", 44) + "\(fmt(ss, 2)) s  \(fmt(mb(hb) / ss)) MB/s  "
                      + "\(st["messages"] ?? "-") msgs  peak RSS \(fmt(srss / 1e6, 0)) MB")
            }
        }
    }
}

/// b4, the tool kernel reviewers use on a thread, when it is installed (`pip install b4`):
/// `b4 am -m FILE -o DIR COVER` on a 10,000-message thread (read the mbox, thread it, take the
/// series and the trailers its replies give, write it out) against patchlab's full pipeline on
/// the same file (read, thread, series, diffs, every comment anchored). Best of the repeats.
func compareWithB4(work: String, root: String, opts: BenchOptions) {
    let version = run("b4", ["--version"])
    guard version.status == 0 else {
        say("b4 not installed (pip install b4): no comparison with it")
        return
    }
    let thread = "\(work)/thread-10000.mbox"
    guard ensureInput(thread, ["--thread", "10000"], root: root) else { return }
    var best: RunResult?
    for _ in 0..<opts.repeats {
        let dir = "\(work)/b4-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        let r = run("b4", ["-q", "am", "-m", thread, "-o", dir, "bench-thread-cover@example.org"], timeout: opts.phaseTimeout)
        try? FileManager.default.removeItem(atPath: dir)
        guard r.status == 0 else {
            say("  b4 am failed (status \(r.status)): \(r.stderr.prefix(300))")
            return
        }
        if best == nil || r.cpu < best?.cpu ?? .infinity { best = r }
    }
    guard let b4 = best, let ours = childPhase("full", file: thread, repeats: opts.repeats, timeout: opts.phaseTimeout),
          let f = Figures(ours) else { return }
    let v = version.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    say(pad("b4 \(v) am -m, 10,000-message thread", 44) + pad("\(fmt(b4.seconds, 3)) s  (cpu \(fmt(b4.cpu, 3)) s)", 34) + "(the tool reviewers use)")
    say(pad("  patchlab full pipeline, same file", 44) + pad("\(fmt(f.wall, 3)) s  (cpu \(fmt(f.cpu, 3)) s)", 34)
          + "\(fmt(b4.cpu / f.cpu))× b4's speed (cpu)")
}

/// Time, CPU, messages and peak RSS of one measured phase.
struct Figures {
    var wall: Double
    var cpu: Double
    var messages: Int?
    var rssKiB: Int?

    init(wall: Double, cpu: Double, messages: Int?, rssKiB: Int?) {
        self.wall = wall
        self.cpu = cpu
        self.messages = messages
        self.rssKiB = rssKiB
    }

    /// From a phase's `key=value` output (`seconds`, `cpu`, `messages`, `maxrss_kb`).
    init?(_ kv: [String: String]) {
        guard let wall = Double(kv["seconds"] ?? "") else { return nil }
        self.wall = wall
        self.cpu = Double(kv["cpu"] ?? "") ?? wall
        self.messages = Int(kv["messages"] ?? "")
        self.rssKiB = Int(kv["maxrss_kb"] ?? "")
    }
}

/// Prints named millisecond figures of a phase, each with its target.
func printTimes(_ kv: [String: String], _ rows: [(String, String, String)]) {
    for (key, label, target) in rows {
        guard let v = kv[key] else { continue }
        let shown = v.replacingOccurrences(of: "(cpu:", with: " ms  (cpu ").replacingOccurrences(of: ")", with: " ms)")
        say(pad(label, 44) + pad(v.contains("(cpu:") ? shown : "\(v) ms", 34) + target)
    }
    if let rss = kv["maxrss_kb"].flatMap(Int.init) {
        say(pad("  (peak RSS of that phase)", 44) + "\(fmt(Double(rss) * 1024 / 1e6, 0)) MB")
    }
}

main()
