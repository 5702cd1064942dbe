/// Support for the live-kernel tests: running `uffd-probe`, reserving huge pages, reading `expect`
/// lines, comparing step results, generating seeded random scripts and shrinking a disagreement
/// to its shortest script.
import Foundation
import TestSupport

/// One step result as printed by `uffd-probe` (and as derived from the model).
struct KernelStep: Codable, Equatable, Sendable, CustomStringConvertible {
    var op: String
    var line: Int
    var result: Int64
    var errno: String?
    var ioctls: UInt64?
    var output: [String: Int64]?

    var description: String {
        var text = "line \(line) \(op): \(errno ?? "ok")"
        if let ioctls { text += " ioctls=0x\(String(ioctls, radix: 16))" }
        if let output, !output.isEmpty {
            text += " " + output.keys.sorted().map { "\($0)=\(output[$0] ?? 0)" }.joined(separator: ",")
        }
        return text
    }
}

/// The outcome of one script on the kernel: its steps, or why the probe refused it.
struct KernelRun: Equatable, Sendable {
    var steps: [KernelStep]
    var exitStatus: Int32
    var note: String?
    var ran: Bool { exitStatus == 0 }
}

/// Why the live-kernel tests cannot run here.
struct KernelProbeUnavailable: Error, CustomStringConvertible {
    var reason: String
    var description: String { reason }
}

/// Locates (or compiles) the `uffd-probe` executable and runs scripts through it.
struct KernelProbe: Sendable {
    let executable: URL

    /// Finds a `uffd-probe` newer than its source beside the test bundle or in a scratch build
    /// directory; otherwise compiles `Sources/uffd-probe/main.c` with the system C compiler.
    static func locate() throws -> KernelProbe {
        let fm = FileManager.default
        let source = Repo.root.appendingPathComponent("Sources/uffd-probe/main.c")
        let header = Repo.root.appendingPathComponent("Sources/uffd-probe/include/uffd_probe_abi.h")
        let sourceDate = [source, header].compactMap { modificationDate($0) }.max() ?? .distantPast
        var candidates = [Repo.productsDirectory.appendingPathComponent("uffd-probe")]
        let bundleDir = Bundle.main.bundleURL
        candidates.append(bundleDir.appendingPathComponent("uffd-probe"))
        candidates.append(bundleDir.deletingLastPathComponent().appendingPathComponent("uffd-probe"))
        if let entries = try? fm.contentsOfDirectory(atPath: Repo.root.path) {
            for entry in entries.sorted() where entry.hasPrefix(".build") {
                candidates.append(Repo.root.appendingPathComponent("\(entry)/debug/uffd-probe"))
            }
        }
        for candidate in candidates where fm.isExecutableFile(atPath: candidate.path) {
            if let date = modificationDate(candidate), date >= sourceDate {
                return KernelProbe(executable: candidate)
            }
        }
        // No fresh product: compile the single C file directly (0.2 s) into a private directory.
        guard let compiler = ["cc", "gcc", "clang"].first(where: { Tool.available($0) }) else {
            throw KernelProbeUnavailable(reason: "no built uffd-probe and no C compiler to build it")
        }
        let outDir = FileManager.default.temporaryDirectory.appendingPathComponent("patchlab-uffd-probe-\(getpid())")
        try fm.createDirectory(at: outDir, withIntermediateDirectories: true)
        let out = outDir.appendingPathComponent("uffd-probe")
        let result = try Tool.run(compiler, ["-O1", "-I", header.deletingLastPathComponent().path,
                                             source.path, "-o", out.path])
        guard result.status == 0 else {
            throw KernelProbeUnavailable(reason: "compiling uffd-probe failed: \(result.stderrText)")
        }
        return KernelProbe(executable: out)
    }

    private static func modificationDate(_ url: URL) -> Date? {
        (try? FileManager.default.attributesOfItem(atPath: url.path))?[.modificationDate] as? Date
    }

    /// Runs one script; the probe's own exit status 4 becomes `KernelProbeUnavailable`.
    func run(_ script: String) throws -> KernelRun {
        guard let run = try runBatch([script]).first else {
            throw KernelProbeUnavailable(reason: "uffd-probe printed nothing")
        }
        return run
    }

    /// Runs many scripts, up to 1000 per probe process (each script in its own forked child).
    func runBatch(_ scripts: [String]) throws -> [KernelRun] {
        guard scripts.count > 1000 else { return try runChunk(scripts) }
        return try stride(from: 0, to: scripts.count, by: 1000).flatMap {
            try runChunk(Array(scripts[$0..<min(scripts.count, $0 + 1000)]))
        }
    }

    private func runChunk(_ scripts: [String]) throws -> [KernelRun] {
        // A trailing empty script keeps even a single script in batch mode (per-script markers).
        let text = (scripts + [""]).joined(separator: "\n---\n")
        let result = try Tool.run(executable.path, ["-"], stdin: Data(text.utf8))
        if result.status == 4 {
            throw KernelProbeUnavailable(reason: "userfaultfd unavailable: \(result.stderrText)")
        }
        guard result.status == 0 || result.status == 3 else {
            throw KernelProbeUnavailable(reason: "uffd-probe failed (\(result.status)): \(result.stderrText)")
        }
        var runs: [KernelRun] = []
        var steps: [KernelStep] = []
        var note: String?
        let decoder = JSONDecoder()
        for line in result.stdoutText.split(separator: "\n", omittingEmptySubsequences: true) {
            if line.hasPrefix("{") {
                steps.append(try decoder.decode(KernelStep.self, from: Data(line.utf8)))
            } else if line.hasPrefix("--- exit=") {
                let status = Int32(line.dropFirst("--- exit=".count)) ?? -1
                runs.append(KernelRun(steps: steps, exitStatus: status, note: note))
                steps = []
                note = nil
            } else if line.hasPrefix("# ") {
                note = String(line.dropFirst(2))
            }
        }
        // Drop the run of the trailing empty script.
        return Array(runs.prefix(scripts.count))
    }
}

/// Reserves 2 MiB huge pages for hugetlb scripts and restores `vm.nr_hugepages` afterwards.
/// Reference-counted within the process; across processes (parallel test runs) a `flock` on a
/// lock file serialises reservations, and the original value is kept in a state file so that a
/// run that crashed while holding the pool is repaired by the next one.
final class HugePagePool: @unchecked Sendable {
    static let shared = HugePagePool()
    private let lock = NSLock()
    private var users = 0
    private var original: Int?
    private var lockFD: Int32 = -1
    private let path = "/proc/sys/vm/nr_hugepages"
    private let lockPath = "/tmp/patchlab-nr_hugepages.lock"
    private let statePath = "/tmp/patchlab-nr_hugepages.original"

    /// Runs `body` with at least `pages` huge pages in the pool; returns nil (and why) when the
    /// pool cannot be raised (not root, or no memory).
    func withPages<T>(_ pages: Int, _ body: () throws -> T) rethrows -> (value: T?, skipped: String?) {
        if let reason = acquire(pages) { return (nil, reason) }
        defer { release() }
        return (try body(), nil)
    }

    /// `withPages` for async bodies.
    func reserving<T>(_ pages: Int, _ body: () async throws -> T) async rethrows -> (value: T?, skipped: String?) {
        if let reason = acquire(pages) { return (nil, reason) }
        defer { release() }
        return (try await body(), nil)
    }

    private func readPool() -> Int? {
        (try? String(contentsOfFile: path, encoding: .utf8)).flatMap {
            Int($0.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    private func writePool(_ value: Int) -> Bool {
        (try? "\(value)\n".write(toFile: path, atomically: false, encoding: .utf8)) != nil
    }

    private func acquire(_ pages: Int) -> String? {
        lock.lock()
        defer { lock.unlock() }
        if users == 0 {
            guard let current = readPool() else { return "cannot read \(path)" }
            guard getuid() == 0 else {
                if current >= pages {
                    users = 1 // enough pages already; nothing to raise or restore
                    return nil
                }
                return "raising \(path) needs root"
            }
            let fd = open(lockPath, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
            guard fd >= 0 else { return "cannot open \(lockPath)" }
            flock(fd, LOCK_EX)
            // A state file left behind means a holder crashed: its value is the true original.
            let saved = (try? String(contentsOfFile: statePath, encoding: .utf8)).flatMap {
                Int($0.trimmingCharacters(in: .whitespacesAndNewlines))
            }
            let base = saved ?? readPool() ?? current
            try? "\(base)\n".write(toFile: statePath, atomically: true, encoding: .utf8)
            lockFD = fd
            original = base
        }
        if let base = original, (readPool() ?? 0) < pages {
            if !writePool(max(pages, base)) || (readPool() ?? 0) < pages {
                let granted = readPool() ?? 0
                if users == 0 { restoreLocked() }
                return "the kernel granted only \(granted) of \(pages) huge pages"
            }
        }
        users += 1
        return nil
    }

    private func release() {
        lock.lock()
        defer { lock.unlock() }
        users -= 1
        if users == 0 { restoreLocked() }
    }

    /// Puts the original value back and drops the cross-process lock (call with `lock` held).
    private func restoreLocked() {
        if let base = original {
            _ = writePool(base)
            try? FileManager.default.removeItem(atPath: statePath)
            original = nil
        }
        if lockFD >= 0 {
            flock(lockFD, LOCK_UN)
            close(lockFD)
            lockFD = -1
        }
    }

    /// The current value of `vm.nr_hugepages` (for checking the restore).
    static func current() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/sys/vm/nr_hugepages", encoding: .utf8) else { return nil }
        return Int(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}

/// An `expect` line of a script: the expected errno, ioctls mask and output fields of the step
/// on the line before it.
struct StepExpectation: Equatable, Sendable {
    var stepLine: Int
    var expectLine: Int
    var errno: String?
    var ioctls: UInt64?
    var output: [String: Int64]

    /// Reads every `expect` line of `script`; each applies to the nearest earlier step line.
    static func parse(_ script: String) -> [StepExpectation] {
        var expectations: [StepExpectation] = []
        var lastStepLine = 0
        for (index, raw) in script.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = index + 1
            let text = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let words = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard let op = words.first?.lowercased() else { continue }
            if op == "expect" {
                var e = StepExpectation(stepLine: lastStepLine, expectLine: lineNumber, errno: nil, ioctls: nil, output: [:])
                for word in words.dropFirst() {
                    let pair = word.split(separator: "=", maxSplits: 1).map(String.init)
                    guard pair.count == 2 else { continue }
                    switch pair[0].lowercased() {
                    case "errno": e.errno = pair[1].lowercased() == "ok" ? "ok" : pair[1].uppercased()
                    case "ioctls": e.ioctls = parseInteger(pair[1]).map { UInt64(bitPattern: $0) }
                    default: if let v = parseInteger(pair[1]) { e.output[pair[0].lowercased()] = v }
                    }
                }
                expectations.append(e)
            } else if !["design", "thread", "driver"].contains(op) {
                lastStepLine = lineNumber
            }
        }
        return expectations
    }

    private static func parseInteger(_ text: String) -> Int64? {
        if text.lowercased().hasPrefix("0x") { return Int64(text.dropFirst(2), radix: 16) }
        if text.lowercased().hasPrefix("-0x") { return Int64(text.dropFirst(3), radix: 16).map { -$0 } }
        return Int64(text)
    }

    /// The ways `step` fails this expectation (empty when it holds).
    func mismatches(in step: KernelStep?) -> [String] {
        guard let step else { return ["no step result for line \(stepLine)"] }
        var problems: [String] = []
        if let errno {
            let actual = step.errno ?? "ok"
            if actual != errno { problems.append("line \(stepLine) \(step.op): errno \(actual), expected \(errno)") }
        }
        if let ioctls, step.ioctls != ioctls {
            let actual = step.ioctls.map { "0x" + String($0, radix: 16) } ?? "none"
            problems.append("line \(stepLine) \(step.op): ioctls \(actual), expected 0x\(String(ioctls, radix: 16))")
        }
        for (key, value) in output.sorted(by: { $0.key < $1.key }) where step.output?[key] != value {
            let actual = step.output?[key].map(String.init) ?? "unwritten"
            problems.append("line \(stepLine) \(step.op): \(key)=\(actual), expected \(value)")
        }
        return problems
    }
}

/// Compares the kernel's steps with the model's, line by line.
enum StepComparison {
    /// Differences between the two step lists (empty when they agree on every step's errno,
    /// output fields and ioctls mask).
    static func differences(kernel: [KernelStep], model: [KernelStep]) -> [String] {
        var problems: [String] = []
        let modelByLine = Dictionary(model.map { ($0.line, $0) }, uniquingKeysWith: { first, _ in first })
        for k in kernel {
            guard let m = modelByLine[k.line] else {
                problems.append("line \(k.line) \(k.op): the model produced no step")
                continue
            }
            if (k.errno ?? "ok") != (m.errno ?? "ok") {
                problems.append("line \(k.line) \(k.op): kernel \(k.errno ?? "ok"), model \(m.errno ?? "ok")")
            }
            if k.ioctls != m.ioctls {
                problems.append("line \(k.line) \(k.op): kernel ioctls \(hex(k.ioctls)), model \(hex(m.ioctls))")
            }
            let kOut = k.output ?? [:], mOut = m.output ?? [:]
            if kOut != mOut {
                problems.append("line \(k.line) \(k.op): kernel output \(render(kOut)), model \(render(mOut))")
            }
        }
        return problems
    }

    private static func hex(_ v: UInt64?) -> String { v.map { "0x" + String($0, radix: 16) } ?? "none" }
    private static func render(_ o: [String: Int64]) -> String {
        o.isEmpty ? "none" : o.keys.sorted().map { "\($0)=\(o[$0] ?? 0)" }.joined(separator: ",")
    }
}

/// SplitMix64: a small, seedable, platform-independent random number generator.
struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Generates random single-thread scripts over anonymous, memfd and (optionally) hugetlb memory.
/// The scripts never fault on registered ranges and never enable event features, so the probe
/// can run every one of them without blocking.
struct KernelScriptGenerator {
    var includeHugetlb: Bool

    private struct Area {
        var name: String
        var type: String
        var pages: Int
        var shared: Bool
    }

    /// A script of `4...12` steps (after its `mmap` lines) for `seed`.
    func script(seed: UInt64) -> String {
        var rng = SeededGenerator(seed: seed)
        var lines: [String] = ["# seed \(seed)"]
        var areas: [Area] = []
        let areaCount = Int.random(in: 1...3, using: &rng)
        var types = ["anon", "anon", "anon", "shmem", "shmem", "shmem-private", "file", "shmem-readonly"]
        if includeHugetlb { types += ["hugetlb", "hugetlb"] }
        for i in 0..<areaCount {
            let kind = types.randomElement(using: &rng) ?? "anon"
            let pages = kind == "hugetlb" ? Int.random(in: 1...2, using: &rng) : Int.random(in: 1...6, using: &rng)
            let name = "m\(i)"
            var line: String
            switch kind {
            case "shmem-private":
                line = "mmap \(name) shmem pages=\(pages) private"
                areas.append(Area(name: name, type: "shmem", pages: pages, shared: false))
            case "shmem":
                line = "mmap \(name) shmem pages=\(pages) shared"
                areas.append(Area(name: name, type: "shmem", pages: pages, shared: true))
            case "file":
                let shared = Bool.random(using: &rng)
                line = "mmap \(name) file pages=\(pages) \(shared ? "shared" : "private")"
                areas.append(Area(name: name, type: "file", pages: pages, shared: shared))
            case "shmem-readonly":
                let shared = Bool.random(using: &rng)
                line = "mmap \(name) shmem pages=\(pages) \(shared ? "shared" : "private") readonly"
                areas.append(Area(name: name, type: "shmem", pages: pages, shared: shared))
            case "hugetlb":
                line = "mmap \(name) hugetlb pages=\(pages)"
                areas.append(Area(name: name, type: "hugetlb", pages: pages, shared: true))
            default:
                line = "mmap \(name) anon pages=\(pages)"
                areas.append(Area(name: name, type: "anon", pages: pages, shared: false))
            }
            if Int.random(in: 0..<4, using: &rng) == 0 { line += " populate" }
            lines.append(line)
        }
        // Most scripts negotiate the API first; some do not, or ask for features.
        switch Int.random(in: 0..<10, using: &rng) {
        case 0: break
        case 1: lines.append("api features=MOVE,POISON")
        case 2: lines.append("api features=WP_ASYNC")
        case 3: lines.append("api features=MISSING_SHMEM,MINOR_SHMEM,MISSING_HUGETLBFS,MINOR_HUGETLBFS,WP_HUGETLBFS_SHMEM")
        default: lines.append("api")
        }
        var steps = Int.random(in: 4...12, using: &rng)
        // Most areas are registered up front so that the fills reach the interesting paths.
        for area in areas where steps > 2 && Int.random(in: 0..<4, using: &rng) != 0 {
            let modes = area.type == "anon" ? ["missing", "missing,wp", "wp"] : ["missing", "minor", "missing,wp", "minor,wp", "missing,minor"]
            lines.append("register \(area.name) mode=\(modes.randomElement(using: &rng) ?? "missing")")
            steps -= 1
        }
        var hasSecond = false
        // Areas a `fault` may touch: never registered so far (a fault there cannot block).
        var registered = Set(lines.compactMap { $0.hasPrefix("register ") ? $0.split(separator: " ")[1] : nil }.map(String.init))
        for _ in 0..<steps {
            let area = areas.randomElement(using: &rng) ?? areas[0]
            let n = area.name
            var ctx = ""
            if hasSecond, Int.random(in: 0..<4, using: &rng) == 0 { ctx = " ctx=u1" }
            let offset = randomOffset(area, &rng)
            let pages = randomPages(area, &rng)
            let range = (offset.map { " offset=\($0)" } ?? "") + (pages.map { " pages=\($0)" } ?? "")
            switch Int.random(in: 0..<112, using: &rng) {
            case 100..<103:
                let advice = Bool.random(using: &rng) ? "dontneed" : "remove"
                lines.append("madvise \(n) \(advice)\(range)")
            case 103..<105:
                if area.type != "anon" { lines.append("truncate \(n) pages=\(Int.random(in: 0...area.pages, using: &rng))") }
            case 105..<107:
                lines.append("mremap \(n)")
            case 107..<110:
                if let target = areas.filter({ !registered.contains($0.name) }).randomElement(using: &rng) {
                    let access = Bool.random(using: &rng) ? "read" : "write"
                    let page = randomOffset(target, &rng).map { " offset=\($0)" } ?? ""
                    lines.append("fault \(target.name)\(page) \(access)")
                }
            case 110:
                lines.append(["close", "readevent", "api"].randomElement(using: &rng) ?? "readevent")
            case 111:
                lines.append("copy \(n)\(offset.map { " offset=\($0)" } ?? "") unaligned")
            case 0..<20:
                let mode = randomRegisterMode(&rng)
                // An empty mode (no `mode=`) is the invalid mode 0.
                lines.append("register \(n)\(range)\(mode.isEmpty ? "" : " mode=" + mode)\(ctx)")
                registered.insert(n)
            case 20..<26:
                lines.append("unregister \(n)\(range)\(ctx)")
            case 26..<40:
                let mode = ["", " mode=dontwake", " mode=wp", " mode=dontwake,wp"].randomElement(using: &rng) ?? ""
                let src = ["", "", "", " src=nonresident", " src=bad"].randomElement(using: &rng) ?? ""
                lines.append("copy \(n)\(range)\(mode)\(src)\(ctx)")
            case 40..<48:
                let mode = ["", "", " mode=dontwake", " mode=wp"].randomElement(using: &rng) ?? ""
                lines.append("zeropage \(n)\(range)\(mode)\(ctx)")
            case 48..<56:
                let mode = ["", "", " mode=dontwake", " mode=wp"].randomElement(using: &rng) ?? ""
                lines.append("continue \(n)\(range)\(mode)\(ctx)")
            case 56..<62:
                let mode = ["", "", " mode=dontwake", " mode=wp"].randomElement(using: &rng) ?? ""
                lines.append("poison \(n)\(range)\(mode)\(ctx)")
            case 62..<70:
                let mode = ["mode=wp", "mode=clear", "mode=wp dontwake", "mode=clear dontwake"].randomElement(using: &rng) ?? "mode=wp"
                lines.append("writeprotect \(n)\(range) \(mode)\(ctx)")
            case 70..<78:
                let src = areas.randomElement(using: &rng) ?? area
                let srcOffset = randomOffset(src, &rng).map { " srcoffset=\($0)" } ?? ""
                let mode = ["", "", " mode=allow_src_holes", " mode=dontwake"].randomElement(using: &rng) ?? ""
                lines.append("move \(n) \(src.name)\(offset.map { " offset=\($0)" } ?? "")\(srcOffset)\(pages.map { " pages=\($0)" } ?? "")\(mode)\(ctx)")
            case 78..<85:
                if area.type == "anon" { lines.append("wake \(n)\(range)\(ctx)") } else { lines.append("pwrite \(n)\(range)") }
            case 85..<89:
                lines.append("munmap \(n)\(range)")
            case 89..<93:
                lines.append("wake \(n)\(range)\(ctx)")
            case 93..<96:
                if !hasSecond {
                    lines.append("uffd u1")
                    lines.append("api ctx=u1")
                    hasSecond = true
                } else {
                    lines.append("register \(n) mode=missing ctx=u1")
                    registered.insert(n)
                }
            default:
                lines.append(hasSecond && Bool.random(using: &rng) ? "close ctx=u1" : "fork")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private func randomOffset(_ area: Area, _ rng: inout SeededGenerator) -> Int? {
        switch Int.random(in: 0..<10, using: &rng) {
        case 0..<3: return nil
        case 9: return area.pages + Int.random(in: 0...2, using: &rng) // past the end
        default: return Int.random(in: 0..<area.pages, using: &rng)
        }
    }

    private func randomPages(_ area: Area, _ rng: inout SeededGenerator) -> Int? {
        switch Int.random(in: 0..<12, using: &rng) {
        case 0..<4: return nil
        case 11: return 0 // an invalid, empty range
        default: return Int.random(in: 1...max(1, area.pages), using: &rng)
        }
    }

    private func randomRegisterMode(_ rng: inout SeededGenerator) -> String {
        ["missing", "missing", "wp", "minor", "missing,wp", "missing,minor", "wp,minor", "missing,wp,minor", ""]
            .randomElement(using: &rng) ?? "missing"
    }
}

/// Delta debugging over script lines: the shortest script (by dropping lines) that still shows
/// a disagreement. Each round tries every one-chunk removal at once, so that the kernel and the
/// model can judge a whole round in one batch.
enum ScriptShrinker {
    /// Drops chunks of lines (halving the chunk size down to single lines) while `stillFails`
    /// says the shorter script still shows the problem; `stillFails` answers for a batch.
    static func shrink(_ script: String, stillFails: ([String]) async throws -> [Bool]) async rethrows -> String {
        var lines = script.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
            .filter { !$0.hasPrefix("#") }
        var chunk = max(1, lines.count / 2)
        while !lines.isEmpty {
            var candidates: [[String]] = []
            for start in stride(from: 0, to: lines.count, by: chunk) {
                var candidate = lines
                candidate.removeSubrange(start..<min(lines.count, start + chunk))
                if !candidate.isEmpty { candidates.append(candidate) }
            }
            let verdicts = try await stillFails(candidates.map { $0.joined(separator: "\n") + "\n" })
            if let hit = verdicts.firstIndex(of: true) {
                lines = candidates[hit]
                chunk = min(chunk, max(1, lines.count / 2))
            } else if chunk == 1 {
                break
            } else {
                chunk /= 2
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
