/// The entry points: run a scenario or a script under a design, or the whole matrix.
import Foundation

/// A built-in scenario (facts §4 S1–S22, plus concurrent ones C1…).
public struct Scenario: Sendable, Identifiable, Hashable {
    /// `S1`…`S22`, `C1`….
    public var id: String
    /// One-line title.
    public var title: String
    /// The facts-sheet row or design section it comes from.
    public var source: String
    /// The script (its `expect … on=` lines carry the expected outcome per preset).
    public var script: String

    /// Creates a scenario.
    public init(id: String, title: String, source: String, script: String) {
        self.id = id
        self.title = title
        self.source = source
        self.script = script
    }

    /// Whether the script has more than one thread (explored for interleavings).
    public var concurrent: Bool { script.contains("\nthread ") || script.hasPrefix("thread ") }

    /// The expectations that apply under a preset, as `line: expect …` text.
    public func expectations(for preset: Preset) -> [String] {
        guard let parsed = try? Script.parse(script) else { return [] }
        return parsed.steps.filter { s in
            guard s.op == .expect else { return false }
            guard let on = s.options["on"] else { return true }
            return on.split(separator: ",").contains { $0.uppercased() == preset.rawValue }
        }.map { s in
            let kv = s.options.filter { $0.key != "on" }.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            return "line \(s.line): " + (kv + s.words).joined(separator: " ")
        }
    }
}

/// Runs scripts and scenarios.
public enum Simulator {
    /// Runs a built-in scenario under a design with a fresh lock checker.
    public static func run(_ scenario: Scenario, design: Design) -> RunResult {
        var checker = LockChecker()
        return run(scenario, design: design, checker: &checker)
    }

    /// Runs a built-in scenario, accumulating lock dependencies in `checker` (as lockdep does across a boot).
    public static func run(_ scenario: Scenario, design: Design, checker: inout LockChecker) -> RunResult {
        do {
            let script = try Script.parse(scenario.script)
            return run(script, id: scenario.id, design: design, checker: &checker)
        } catch {
            return RunResult(design: design, scenarioId: scenario.id, steps: [], outcome: "script error: \(error)",
                             warnings: [], exploration: nil, failedExpectations: ["\(error)"])
        }
    }

    /// Runs a reviewer's own script; `design` overrides the script's `design` line (default D0).
    /// - Throws: `ScriptError` with the line number.
    public static func run(script text: String, design: Design?) throws(ScriptError) -> RunResult {
        let script = try Script.parse(text)
        var checker = LockChecker()
        return run(script, id: "script", design: design ?? script.design ?? Design(preset: .D0), checker: &checker)
    }

    /// Every scenario under every design, exploration included; one checker per design accumulates
    /// the dependency graph across its scenarios.
    public static func matrix(designs: [Design] = Preset.allCases.map { Design(preset: $0) }) -> [RunResult] {
        let parsed = Catalog.scenarios.map { ($0.id, try? Script.parse($0.script)) }
        var out: [RunResult] = []
        for d in designs {
            var checker = LockChecker()
            for (id, script) in parsed {
                guard let script else { continue }
                out.append(run(script, id: id, design: d, checker: &checker))
            }
        }
        return out
    }

    static func run(_ script: Script, id: String, design: Design, checker: inout LockChecker) -> RunResult {
        var m = Machine(design: design, steps: script.steps, checker: checker)
        m.runAll()
        var exploration: ExplorationSummary?
        if script.threads.count > 1 {
            exploration = Interleavings.explore(script, design: design)
        }
        for s in m.pendingExploreExpect {
            guard let want = s.options["explore"] else { continue }
            let got = exploration?.verdict.rawValue ?? "none"
            if got != want { m.failed.append("line \(s.line): expected explore=\(want), got \(got)") }
        }
        var warnings = m.warnings
        if let e = exploration, e.verdict == .deadlock || e.verdict == .assertion {
            warnings.append(LockWarning(kind: e.verdict == .deadlock ? .deadlock : .assertion, message: e.detail,
                                        chain: ["shortest counterexample schedule (\(e.counterexample.count) steps):"] + e.counterexample,
                                        line: 0))
        }
        checker = m.checker
        let steps = m.results.enumerated().sorted { ($0.element.line, $0.offset) < ($1.element.line, $1.offset) }.map(\.element)
        return RunResult(design: design, scenarioId: id, steps: steps, outcome: summary(steps, warnings, exploration),
                         warnings: warnings, exploration: exploration, failedExpectations: m.failed)
    }

    static let quiet: Set<String> = ["mmap", "api", "driver", "uffd", "pwrite"]

    static func summary(_ steps: [StepResult], _ warnings: [LockWarning], _ e: ExplorationSummary?) -> String {
        var parts: [String] = []
        for s in steps where !quiet.contains(s.op) || s.errno != nil {
            var p = "\(s.op) \(s.short)"
            if let m = s.ioctls { p += " ioctls=0x\(String(m, radix: 16))" }
            for k in ["copy", "zeropage", "mapped", "updated", "move"] { if let v = s.output[k] { p += " \(k)=\(v)" } }
            if s.output["waited"] == 1 { p += " (waited)" }
            if s.output["sigbus"] == 1 { p += " SIGBUS" }
            parts.append(p)
        }
        var text = parts.joined(separator: "; ")
        let kinds = Array(Set(warnings.map(\.kind.rawValue))).sorted()
        if !kinds.isEmpty { text += " — warnings: " + kinds.joined(separator: ", ") }
        if let e { text += " — interleavings: \(e.verdict.rawValue) (\(e.states) states)" }
        return text
    }
}
