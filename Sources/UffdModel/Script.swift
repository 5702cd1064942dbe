/// The scenario script language shared with the kernel probe (see `ScriptOp` for the ops).
///
/// Beyond the shared contract the model accepts a few extensions (the probe ignores or refuses them):
/// - `copy … unaligned`: dst is 4 KiB past the start of its page (S11 on hugetlb; -EINVAL elsewhere).
/// - `mmap NAME TYPE … fixed=OLD`: MAP_FIXED over mapping OLD, replacing its VMA by another file (S5).
/// - `move … lock=blocking`: lock the src VMA with a blocking `uffd_lock_vma()` instead of the trylock (C2).
/// - `expect … on=P2,M`: the expectation applies only under those presets (absent: every preset).
/// - `expect warning=KIND|none`, `expect explore=safe|deadlock|assertion|bound-hit`: checker and
///   explorer results (model only).
/// - Output keys besides the ioctl fields: `waited` (fault slept in handle_userfault), `sigbus`
///   (SIGBUS rather than SIGSEGV), `event` (readevent), `pending` (still asleep at the end),
///   `features` (api).
/// Event producers (fork, mremap, munmap, madvise) return at once in the model; `mmap_changing`
/// stays raised until `readevent` acknowledges the event, as it does while the producer waits.
import Foundation

/// A script error with the 1-based line it was found on.
public struct ScriptError: Error, Equatable, Sendable, CustomStringConvertible {
    /// 1-based script line.
    public var line: Int
    /// What is wrong.
    public var message: String
    /// Creates an error.
    public init(line: Int, message: String) {
        self.line = line
        self.message = message
    }
    /// `line N: message`.
    public var description: String { "line \(line): \(message)" }
}

/// The ops of the script language (case-insensitive keywords).
public enum ScriptOp: String, Sendable, CaseIterable, Hashable {
    case design, driver, mmap, api, uffd, register, unregister, copy, zeropage
    case `continue`, poison, writeprotect, move, wake, pwrite, fault, fork, mremap, munmap
    case madvise, truncate, close, unload, readevent, expect, thread

    /// Ops that produce a step result.
    var yieldsResult: Bool { self != .design && self != .expect && self != .thread }
}

/// One parsed script line.
public struct ScriptStep: Sendable, Hashable {
    /// The op.
    public var op: ScriptOp
    /// 1-based line.
    public var line: Int
    /// Thread the step belongs to.
    public var thread: String
    /// Positional words (names, `read`, `shared`, ...), in order; names keep their case.
    public var words: [String]
    /// `key=value` options, keys lower-cased.
    public var options: [String: String]

    /// The n-th positional word that is a name (not a known flag word).
    func name(_ n: Int = 0) -> String? {
        let names = words.filter { !ScriptStep.flagWords.contains($0.lowercased()) && Int($0) == nil }
        return n < names.count ? names[n] : nil
    }

    /// Whether a flag word is present (`shared`, `gup`, ...).
    func has(_ flag: String) -> Bool { words.contains { $0.lowercased() == flag } }

    /// Integer option, with a default.
    func int(_ key: String, _ def: Int) -> Int { options[key].flatMap { Int($0) } ?? def }

    /// The list value of an option (`mode=missing,wp`, also `|`-separated), lower-cased.
    func list(_ key: String) -> [String] {
        guard let v = options[key] else { return [] }
        return v.split(whereSeparator: { $0 == "," || $0 == "|" }).map { $0.lowercased() }
    }

    static let flagWords: Set<String> = [
        "shared", "private", "readonly", "populate", "read", "write", "gup", "nowait", "dontneed",
        "remove", "dontwake", "ok", "unaligned", "anon", "shmem", "hugetlb", "file", "gmem", "module",
    ]
}

/// A parsed script.
public struct Script: Sendable, Hashable {
    /// Every step, in script order (including `expect` and `design`).
    public var steps: [ScriptStep]
    /// The design named by a `design` line, if any.
    public var design: Design?
    /// Thread names in order of first appearance.
    public var threads: [String]

    /// Parses script text.
    /// - Throws: `ScriptError` with the line of the first problem.
    public static func parse(_ text: String) throws(ScriptError) -> Script {
        var steps: [ScriptStep] = []
        var design: Design?
        var thread = "main"
        var threads = ["main"]
        var lineNo = 0
        var mappings: Set<String> = []
        var contexts: Set<String> = ["uffd0"]
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNo += 1
            var lineText = Substring(raw)
            if let hash = lineText.firstIndex(of: "#") { lineText = lineText[..<hash] }
            let tokens = lineText.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).map(String.init)
            guard let head = tokens.first else { continue }
            guard let op = ScriptOp(rawValue: head.lowercased()) else {
                throw ScriptError(line: lineNo, message: "unknown op '\(head)'")
            }
            var words: [String] = []
            var options: [String: String] = [:]
            for tok in tokens.dropFirst() {
                if let eq = tok.firstIndex(of: "="), op != .design {
                    let key = tok[..<eq].lowercased()
                    let value = String(tok[tok.index(after: eq)...])
                    guard !key.isEmpty, !value.isEmpty else {
                        throw ScriptError(line: lineNo, message: "bad option '\(tok)'")
                    }
                    options[key] = value
                } else {
                    words.append(tok)
                }
            }
            let step = ScriptStep(op: op, line: lineNo, thread: thread, words: words, options: options)
            try validate(step)
            try checkNames(step, &mappings, &contexts)
            switch op {
            case .thread:
                guard let name = words.first else { throw ScriptError(line: lineNo, message: "thread needs a name") }
                thread = name
                if !threads.contains(name) {
                    threads.append(name)
                    if threads.count > maxThreads {
                        throw ScriptError(line: lineNo, message: "thread: at most \(maxThreads) threads (main included)")
                    }
                }
            case .design:
                guard let spec = words.first else { throw ScriptError(line: lineNo, message: "design needs a preset") }
                do {
                    design = try Design.parse(spec)
                } catch let e as DesignError {
                    throw ScriptError(line: lineNo, message: e.description)
                } catch {
                    throw ScriptError(line: lineNo, message: "bad design")
                }
                steps.append(step)
            default:
                steps.append(step)
            }
        }
        return Script(steps: steps, design: design, threads: threads)
    }

    /// The largest page count or offset a script may use (keeps the model's state small).
    public static let maxPages = 4096
    /// The most threads a script may use (the explorer keeps per-thread bitmasks).
    public static let maxThreads = 4

    /// Mapping and uffd names must be defined (by `mmap` / `uffd`) before they are used.
    private static func checkNames(_ s: ScriptStep, _ maps: inout Set<String>, _ ctxs: inout Set<String>) throws(ScriptError) {
        if let c = s.options["ctx"], !ctxs.contains(c) {
            throw ScriptError(line: s.line, message: "\(s.op.rawValue): unknown userfaultfd '\(c)' (open it with 'uffd \(c)')")
        }
        switch s.op {
        case .mmap:
            if let f = s.options["fixed"], !maps.contains(f) {
                throw ScriptError(line: s.line, message: "mmap: fixed=\(f) names no mapping")
            }
            if let n = s.name(0) { maps.insert(n) }
        case .uffd:
            if let n = s.name(0) { ctxs.insert(n) }
        case .register, .unregister, .copy, .zeropage, .continue, .poison, .writeprotect, .wake, .pwrite,
             .fault, .mremap, .munmap, .madvise, .truncate, .move:
            let count = s.op == .move ? 2 : 1
            for i in 0..<count {
                if let n = s.name(i), !maps.contains(n) {
                    throw ScriptError(line: s.line, message: "\(s.op.rawValue): unknown mapping '\(n)' (map it first with 'mmap \(n) TYPE pages=N')")
                }
            }
        default:
            break
        }
    }

    private static let modeWords: Set<String> = ["missing", "wp", "minor", "dontwake", "allow_src_holes", "clear"]
    private static let outputKeys: Set<String> = ["copy", "zeropage", "mapped", "updated", "move", "waited",
                                                  "sigbus", "result", "event", "pending"]

    private static func validate(_ s: ScriptStep) throws(ScriptError) {
        func fail(_ m: String) -> ScriptError { ScriptError(line: s.line, message: "\(s.op.rawValue): \(m)") }
        func allow(_ keys: Set<String>, words allowedWords: Set<String> = [], names: Int) throws(ScriptError) {
            for k in s.options.keys where !keys.contains(k) { throw fail("unknown option '\(k)'") }
            var nameCount = 0
            for w in s.words {
                if allowedWords.contains(w.lowercased()) { continue }
                if Int(w) != nil, allowedWords.contains("#") { continue }
                nameCount += 1
            }
            if nameCount < names { throw fail("expected \(names) name(s)") }
            if nameCount > names { throw fail("unexpected word '\(s.words.last ?? "")'") }
            for k in ["pages", "offset", "srcoffset"] {
                if let v = s.options[k], Int(v) == nil || (Int(v) ?? -1) < 0 || (Int(v) ?? 0) > Script.maxPages {
                    throw fail("\(k) must be a number of pages from 0 to \(Script.maxPages), got '\(v)'")
                }
            }
            for w in s.words {
                if let n = Int(w), n < 0 || n > Script.maxPages { throw fail("page count '\(w)' out of range") }
            }
            for w in s.list("mode") where !modeWords.contains(w) { throw fail("unknown mode '\(w)'") }
        }
        switch s.op {
        case .design, .thread:
            if s.words.count != 1 { throw fail("expects one argument") }
        case .driver, .unload:
            try allow([], names: 1)
            if Driver.named(s.words[0]) == nil {
                throw fail("unknown driver '\(s.words[0])' (one of \(Driver.all.map(\.id).joined(separator: ", ")))")
            }
        case .uffd:
            try allow([], names: 1)
        case .mmap:
            try allow(["pages", "fixed"], words: ["shared", "private", "readonly", "populate", "anon", "shmem",
                                                  "hugetlb", "file", "gmem", "module"], names: 1)
            let types = s.words.filter { MemType(rawValue: $0.lowercased()) != nil }
            if types.count != 1 { throw fail("needs exactly one TYPE: anon|shmem|hugetlb|file|gmem|module") }
            if s.options["pages"] == nil { throw fail("needs pages=N") }
            if s.int("pages", 0) == 0 { throw fail("pages must be at least 1") }
        case .api:
            try allow(["features", "ctx"], names: 0)
            for f in s.list("features") where UffdFeature.bit(f) == nil { throw fail("unknown feature '\(f)'") }
        case .register:
            try allow(["offset", "pages", "mode", "ctx"], names: 1)
        case .unregister, .wake:
            try allow(["offset", "pages", "ctx"], names: 1)
        case .copy:
            try allow(["offset", "pages", "mode", "src", "ctx"], words: ["unaligned"], names: 1)
            if let src = s.options["src"], !["resident", "nonresident", "bad"].contains(src.lowercased()) {
                throw fail("src must be resident|nonresident|bad")
            }
        case .zeropage, .continue, .poison:
            try allow(["offset", "pages", "mode", "ctx"], names: 1)
        case .writeprotect:
            try allow(["offset", "pages", "mode", "ctx"], words: ["dontwake"], names: 1)
            if s.options["mode"] == nil { throw fail("needs mode=wp|clear") }
        case .move:
            try allow(["offset", "srcoffset", "pages", "mode", "ctx", "lock"], names: 2)
            if let l = s.options["lock"], !["trylock", "blocking"].contains(l) { throw fail("lock must be trylock|blocking") }
        case .pwrite:
            try allow(["offset", "pages"], names: 1)
        case .fault:
            try allow(["offset"], words: ["read", "write", "gup", "nowait"], names: 1)
        case .fork, .readevent, .close:
            try allow(["ctx"], names: 0)
        case .mremap:
            try allow([], names: 1)
        case .munmap:
            try allow(["offset", "pages"], names: 1)
        case .madvise:
            try allow(["offset", "pages"], words: ["dontneed", "remove", "#"], names: 1)
            if !s.has("dontneed") && !s.has("remove") { throw fail("needs dontneed|remove") }
        case .truncate:
            try allow(["pages"], names: 1)
            if s.options["pages"] == nil { throw fail("needs pages=N") }
        case .expect:
            for (k, v) in s.options {
                switch k {
                case "errno":
                    if v.lowercased() != "ok" && Errno(rawValue: v.uppercased()) == nil { throw fail("unknown errno '\(v)'") }
                case "ioctls":
                    if parseNumber(v) == nil { throw fail("ioctls must be a number") }
                case "on":
                    for p in v.split(separator: ",") where Preset(rawValue: String(p).uppercased()) == nil {
                        throw fail("unknown preset '\(p)'")
                    }
                case "warning":
                    if v != "none" && LockWarning.Kind(rawValue: v) == nil { throw fail("unknown warning kind '\(v)'") }
                case "explore":
                    if ExplorationSummary.Verdict(rawValue: v) == nil { throw fail("explore must be safe|deadlock|assertion") }
                default:
                    if !outputKeys.contains(k) { throw fail("unknown expectation '\(k)'") }
                    if parseNumber(v) == nil && Errno(rawValue: v.uppercased()) == nil {
                        throw fail("\(k) must be a number or an errno name")
                    }
                }
            }
            for w in s.words where w.lowercased() != "ok" { throw fail("unexpected word '\(w)'") }
        }
    }
}

/// Parses decimal or `0x` hexadecimal, or a negated errno name (`-EEXIST`).
func parseNumber(_ text: String) -> Int? {
    let t = text.lowercased()
    if t.hasPrefix("0x") { return Int(t.dropFirst(2), radix: 16) }
    if t.hasPrefix("-e"), let e = Errno(rawValue: String(text.dropFirst()).uppercased()) { return -e.code }
    return Int(t)
}

/// UFFD_FEATURE_* bits (include/uapi/linux/userfaultfd.h).
enum UffdFeature {
    static let names: [(String, UInt64)] = [
        ("pagefault_flag_wp", 1 << 0), ("event_fork", 1 << 1), ("event_remap", 1 << 2),
        ("event_remove", 1 << 3), ("missing_hugetlbfs", 1 << 4), ("missing_shmem", 1 << 5),
        ("event_unmap", 1 << 6), ("sigbus", 1 << 7), ("thread_id", 1 << 8), ("minor_hugetlbfs", 1 << 9),
        ("minor_shmem", 1 << 10), ("exact_address", 1 << 11), ("wp_hugetlbfs_shmem", 1 << 12),
        ("wp_unpopulated", 1 << 13), ("poison", 1 << 14), ("wp_async", 1 << 15), ("move", 1 << 16),
    ]
    static func bit(_ name: String) -> UInt64? {
        names.first { $0.0 == name.lowercased() }?.1
    }
    static let eventFork: UInt64 = 1 << 1
    static let eventRemap: UInt64 = 1 << 2
    static let eventRemove: UInt64 = 1 << 3
    static let eventUnmap: UInt64 = 1 << 6
    static let sigbus: UInt64 = 1 << 7
    static let wpUnpopulated: UInt64 = 1 << 13
    static let wpAsync: UInt64 = 1 << 15
    /// Everything the 6.18 kernel here advertises (UFFD_API_FEATURES on x86-64).
    static let all: UInt64 = names.reduce(0) { $0 | $1.1 }
}
