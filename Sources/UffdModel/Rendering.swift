/// Text and JSON renderings of runs, the matrix and the catalog (used by `patchlab sim` and the TUI).
import Foundation

/// Renders simulation results.
public enum SimRendering {
    /// A run as human text: steps with traces, outcome, warnings, exploration.
    public static func human(_ r: RunResult, traces: Bool = true) -> String {
        var out = ["== \(r.scenarioId) under \(r.design.spec)"]
        if let sc = Catalog.scenario(r.scenarioId) { out[0] += ": \(sc.title)" }
        for s in r.steps {
            var line = String(format: "%4d %-8@ %-12@ %@", s.line, s.thread, s.op, s.short)
            if let m = s.ioctls { line += " ioctls=0x\(String(m, radix: 16))" }
            for (k, v) in s.output.sorted(by: { $0.key < $1.key }) { line += " \(k)=\(v)" }
            out.append(line)
            if traces { for t in s.trace { out.append("       | \(t)") } }
        }
        out.append("outcome: \(r.outcome)")
        for w in r.warnings {
            out.append("")
            out.append(contentsOf: w.chain.isEmpty ? [w.message] : w.chain)
        }
        if let e = r.exploration {
            out.append("")
            out.append("interleavings: \(e.verdict.rawValue), \(e.states) states, \(e.transitions) transitions\(e.boundHit ? " (state bound hit)" : "")")
            out.append("  \(e.detail)")
            for c in e.counterexample { out.append("  \(c)") }
        }
        for f in r.failedExpectations { out.append("EXPECTATION FAILED: \(f)") }
        return out.joined(separator: "\n") + "\n"
    }

    /// One run as a JSON object (the probe's step shape plus model-only fields).
    public static func jsonObject(_ r: RunResult) -> [String: Any] {
        let steps: [[String: Any]] = r.steps.map { s in
            [
                "op": s.op, "line": s.line, "thread": s.thread, "result": s.result,
                "errno": s.errno.map { $0.rawValue as Any } ?? NSNull(),
                "ioctls": s.ioctls.map { NSNumber(value: $0) as Any } ?? NSNull(),
                "output": s.output.isEmpty ? NSNull() : (s.output as [String: Any]),
                "trace": s.trace,
            ]
        }
        var obj: [String: Any] = [
            "design": r.design.spec, "scenario": r.scenarioId, "steps": steps, "outcome": r.outcome,
            "warnings": r.warnings.map { ["kind": $0.kind.rawValue, "message": $0.message, "line": $0.line, "report": $0.chain] as [String: Any] },
            "failedExpectations": r.failedExpectations,
        ]
        if let e = r.exploration {
            obj["exploration"] = ["verdict": e.verdict.rawValue, "states": e.states, "transitions": e.transitions,
                                  "boundHit": e.boundHit, "counterexample": e.counterexample, "detail": e.detail] as [String: Any]
        } else {
            obj["exploration"] = NSNull()
        }
        return obj
    }

    /// JSON text of one run or an array of runs.
    public static func json(_ runs: [RunResult], array: Bool) -> String {
        let value: Any = array ? runs.map(jsonObject) : (runs.first.map(jsonObject) ?? [:])
        guard let data = try? JSONSerialization.data(withJSONObject: value, options: [.prettyPrinted, .sortedKeys]) else { return "{}\n" }
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// The compact scenario × design table.
    public static func matrixTable(_ runs: [RunResult]) -> String {
        var designs: [String] = []
        for r in runs where !designs.contains(r.design.spec) { designs.append(r.design.spec) }
        var ids: [String] = []
        for r in runs where !ids.contains(r.scenarioId) { ids.append(r.scenarioId) }
        var cell: [String: String] = [:]
        for r in runs { cell["\(r.scenarioId)|\(r.design.spec)"] = cellText(r) }
        let width = 22
        func pad(_ s: String, _ n: Int) -> String {
            s.count >= n ? String(s.prefix(n - 1)) + " " : s + String(repeating: " ", count: n - s.count)
        }
        var out = [pad("scenario", 6) + designs.map { pad($0, width) }.joined()]
        for id in ids {
            out.append(pad(id, 6) + designs.map { pad(cell["\(id)|\($0)"] ?? "", width) }.joined())
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// The key result of a run in a few characters: the last interesting step plus flags.
    static func cellText(_ r: RunResult) -> String {
        let quiet: Set<String> = ["mmap", "api", "driver", "uffd", "pwrite", "fault", "thread"]
        var key = r.steps.last { !quiet.contains($0.op) } ?? r.steps.last
        if let firstBad = r.steps.first(where: { $0.errno != nil && ($0.op == "register" || $0.op == "api") }) { key = firstBad }
        var t = key.map { "\($0.op) \($0.short)" } ?? "-"
        if !r.warnings.isEmpty { t += " !\(r.warnings.count)" }
        if let e = r.exploration, e.verdict != .safe { t += " \(e.verdict.rawValue)" }
        if !r.failedExpectations.isEmpty { t += " ✗" }
        return t
    }

    /// Presets, knobs and scenarios.
    public static func list() -> String {
        var out = ["presets:"]
        for p in Preset.allCases { out.append("  \(p.rawValue)  \(p.title)") }
        out.append("")
        out.append("knobs (PRESET,knob=value...):")
        for k in Catalog.knobs {
            out.append("  \(k.id) = \(k.values.joined(separator: "|"))\(k.cosmetic ? "   [cosmetic: header text only]" : "")")
            out.append("      \(k.title). " + Preset.allCases.map { "\($0.rawValue)=\($0.settings[k.id] ?? "")" }.joined(separator: " "))
            out.append("      \(k.explanation)")
            out.append("      argued in: " + k.messageIds.map { "<\($0)>" }.joined(separator: ", "))
        }
        out.append("")
        out.append("drivers:")
        for d in Catalog.drivers {
            out.append("  \(d.id)  \(d.title)\(d.bugPossibleUnder.isEmpty ? "" : " (mistake possible under \(d.bugPossibleUnder.map(\.rawValue).joined(separator: ",")))")")
        }
        out.append("")
        out.append("scenarios:")
        for s in Catalog.scenarios { out.append("  \(s.id)  \(s.title)  [\(s.source)]\(s.concurrent ? " (threads)" : "")") }
        return out.joined(separator: "\n") + "\n"
    }
}
