/// Every buggy example module is caught under the designs that let it be written, and cannot be
/// written (so nothing is reported) under the others.
import Testing
@testable import UffdModel

@Suite struct DriverTests {
    static let buggy = Catalog.drivers.filter { $0.bug != nil }

    /// The scenario that loads a driver (`driver NAME`).
    static func scenario(for d: Driver) -> Scenario? {
        Catalog.scenarios.first { $0.script.contains("driver \(d.id)\n") }
    }

    @Test func atLeastSixDistinctMistakes() {
        #expect(Set(Self.buggy.compactMap(\.bug)).count >= 6)
    }

    @Test(arguments: buggy)
    func caughtExactlyWhereItCanExist(_ d: Driver) throws {
        let s = try #require(Self.scenario(for: d), "no scenario loads \(d.id)")
        for p in Preset.allCases {
            let design = Design(preset: p)
            #expect(d.bugExpressible(design) == d.bugPossibleUnder.contains(p), "\(d.id) under \(p)")
            let r = Simulator.run(s, design: design)
            let caught = !r.warnings.isEmpty || (r.exploration.map { $0.verdict != .safe } ?? false)
            if d.bugPossibleUnder.contains(p) {
                #expect(caught, "\(d.id) not caught under \(p):\n\(SimRendering.human(r))")
            } else {
                #expect(!caught, "\(d.id) reported under \(p) where it cannot be written:\n\(SimRendering.human(r))")
            }
        }
    }

    @Test func correctDriversRaiseNothing() {
        for p in Preset.allCases {
            for s in Catalog.scenarios where s.script.contains("driver gmem") || s.script.contains("driver example\n") && s.id == "C5" {
                let r = Simulator.run(s, design: Design(preset: p))
                #expect(r.warnings.isEmpty, "\(s.id) under \(p): \(r.warnings.map(\.message))")
            }
        }
    }
}
