import Foundation
import Notes
import Testing
import UffdModel

@Suite struct ModelEvidenceTests {
    @Test func evidenceCarriesWarningsAndUnsafeExplorations() throws {
        let design = try Design.parse("P2")
        let scenario = try #require(Catalog.scenarios.first)
        let run = RunResult(design: design, scenarioId: scenario.id, steps: [], outcome: "COPY -> -EAGAIN",
                            warnings: [LockWarning(kind: .sleepInAtomic, message: "BUG: sleeping function called from invalid context")],
                            exploration: ExplorationSummary(verdict: .deadlock, states: 12, transitions: 20, boundHit: false,
                                                            counterexample: ["A: lock mmap_lock"], detail: "deadlock after 3 steps"))
        let e = Evidence(design: design, results: [run])
        #expect(e.design == design.spec)
        #expect(e.scenarios == [ScenarioEvidence(id: scenario.id, title: scenario.title, outcome: "COPY -> -EAGAIN", warnings: [
            "sleep-in-atomic: BUG: sleeping function called from invalid context",
            "exploration deadlock: deadlock after 3 steps",
        ])])
    }

    @Test func capturedEvidenceIsWhatTheSimulatorSays() throws {
        let design = try Design.parse("D0")
        let ids = Catalog.scenarios.prefix(3).map(\.id)
        try #require(!ids.isEmpty)
        let e = Evidence.capture(design: design, scenarioIds: ids + ["no-such-scenario"])
        #expect(e.scenarios.map(\.id) == ids)
        for s in e.scenarios {
            let scenario = try #require(Catalog.scenario(s.id))
            let run = Simulator.run(scenario, design: design)
            #expect(s == ScenarioEvidence(result: run))
            #expect(s.outcome == run.outcome && s.title == scenario.title)
        }
    }

    @Test func evidenceFromLinkTargetsKeepsOnlyScenarios() throws {
        let design = try Design.parse("D0")
        let ids = Catalog.scenarios.prefix(3).map(\.id)
        try #require(!ids.isEmpty)
        let targets = ["knob:ops_lookup"] + ids.reversed().map { "scenario:\($0)" } + ["lock:mmap_lock"]
            + ids.map { "scenario:\($0)" } + ["scenario:no-such-scenario"]
        let e = Evidence.capture(design: design, linkTargets: targets)
        #expect(e.scenarios.map(\.id) == Array(ids.reversed()))
    }
}
