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
