/// Scenario × preset table: every `expect` line of every built-in scenario holds under its presets
/// (the facts-sheet §4 outcomes), and every scenario states an outcome for every preset.
import Testing
@testable import UffdModel

struct ScenarioPreset: CustomTestStringConvertible, Sendable {
    var scenario: Scenario
    var preset: Preset
    var testDescription: String { "\(scenario.id) under \(preset.rawValue)" }
}

@Suite struct ScenarioTableTests {
    static let cases: [ScenarioPreset] = Catalog.scenarios.flatMap { s in Preset.allCases.map { ScenarioPreset(scenario: s, preset: $0) } }

    @Test(arguments: cases)
    func factsSheetOutcomeHolds(_ c: ScenarioPreset) {
        let r = Simulator.run(c.scenario, design: Design(preset: c.preset))
        #expect(r.failedExpectations.isEmpty, "\(r.failedExpectations.joined(separator: "\n"))\n\(SimRendering.human(r))")
        #expect(!c.scenario.expectations(for: c.preset).isEmpty)
    }

    @Test func everyFactsScenarioIsPresent() {
        for n in 1...22 {
            #expect(Catalog.scenario("S\(n)") != nil, "S\(n) missing")
        }
    }
}

@Suite struct MatrixTests {
    @Test func matrixCoversEveryScenarioUnderEveryPresetAndExploresExhaustively() {
        let runs = Simulator.matrix()
        #expect(runs.count == Catalog.scenarios.count * Preset.allCases.count)
        for r in runs {
            let concurrent = Catalog.scenario(r.scenarioId)?.concurrent ?? false
            #expect((r.exploration != nil) == concurrent, "\(r.scenarioId) \(r.design.spec)")
            #expect(r.exploration?.boundHit != true, "\(r.scenarioId) \(r.design.spec) hit the state bound")
            #expect(r.failedExpectations.isEmpty, "\(r.scenarioId) \(r.design.spec): \(r.failedExpectations)")
        }
    }

    @Test func factsScenariosThatVaryByDesignDoVary() {
        // facts §4 "Varies by design?" = yes for S3 (trace), S5, S6, S7, S12, S18.
        for id in ["S3", "S5", "S6", "S7", "S12", "S18"] {
            guard let s = Catalog.scenario(id) else {
                Issue.record("\(id) missing")
                continue
            }
            let signatures = Set(Preset.allCases.map { signature(Simulator.run(s, design: Design(preset: $0))) })
            #expect(signatures.count > 1, "\(id) does not vary by design")
        }
        // ...and "no" for S2, S15, S16, S17, S19: same outcome everywhere.
        for id in ["S2", "S15", "S16", "S17", "S19"] {
            guard let s = Catalog.scenario(id) else { continue }
            let outcomes = Set(Preset.allCases.map { Simulator.run(s, design: Design(preset: $0)).steps.map(\.short) })
            #expect(outcomes.count == 1, "\(id) varies by design")
        }
    }
}
