import Foundation
import UffdModel

// Evidence from the model: the plain values a note cites, captured from `RunResult`s.

extension ScenarioEvidence {
    /// The evidence of one run: its outcome, its lock-checker warnings (`kind: message`) and, for an
    /// explored concurrent scenario that is not safe, the explorer's verdict.
    public init(result: RunResult) {
        var warnings = result.warnings.map { "\($0.kind.rawValue): \($0.message)" }
        if let x = result.exploration, x.verdict != .safe {
            warnings.append("exploration \(x.verdict.rawValue): \(x.detail)")
        }
        self.init(id: result.scenarioId, title: Catalog.scenario(result.scenarioId)?.title ?? "",
                  outcome: result.outcome, warnings: warnings)
    }
}

extension Evidence {
    /// The evidence of runs under one design.
    public init(design: Design, results: [RunResult]) {
        self.init(design: design.spec, scenarios: results.map(ScenarioEvidence.init(result:)))
    }

    /// Runs the scenarios (by id, unknown ids skipped) under a design and captures the results.
    public static func capture(design: Design, scenarioIds: [String]) -> Evidence {
        let results = scenarioIds.compactMap(Catalog.scenario).map { Simulator.run($0, design: design) }
        return Evidence(design: design, results: results)
    }

    /// Captures the scenarios among link targets written `kind:id` (`scenario:S6`; other kinds ignored),
    /// as the links of a line or comment give them.
    public static func capture(design: Design, linkTargets: [String]) -> Evidence {
        var ids: [String] = []
        for t in linkTargets where t.hasPrefix("scenario:") {
            let id = String(t.dropFirst("scenario:".count))
            if !ids.contains(id) { ids.append(id) }
        }
        return capture(design: design, scenarioIds: ids)
    }
}
