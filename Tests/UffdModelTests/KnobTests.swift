/// Every knob changes something observable (an outcome, a mask, a trace step, a warning or the
/// interleaving verdict) in at least one scenario, or is cosmetic and changes the header text.
import Testing
@testable import UffdModel

/// Everything a run shows a reviewer, as one comparable value.
func signature(_ r: RunResult) -> String {
    var parts = r.steps.map { s in
        "\(s.line) \(s.op) \(s.result) \(s.errno?.rawValue ?? "-") \(s.ioctls.map { String($0) } ?? "-") "
            + s.output.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
            + " [" + s.trace.joined(separator: " | ") + "]"
    }
    parts += r.warnings.map { "\($0.kind.rawValue): \($0.message)" }
    parts.append(r.exploration?.verdict.rawValue ?? "no exploration")
    return parts.joined(separator: "\n")
}

struct KnobValue: CustomTestStringConvertible, Sendable {
    var knob: Knob
    var value: String
    var testDescription: String { "\(knob.id)=\(value)" }
}

@Suite struct KnobTests {
    static let values: [KnobValue] = Catalog.knobs.flatMap { k in k.values.map { KnobValue(knob: k, value: $0) } }

    @Test(arguments: values)
    func everyKnobValueIsObservable(_ kv: KnobValue) {
        // On some preset, this value and some other value of the knob must differ observably.
        var changed: [String] = []
        search: for preset in Preset.allCases {
            let mine = Design(preset: preset).with(kv.knob.id, kv.value)
            for other in kv.knob.values where other != kv.value {
                let theirs = Design(preset: preset).with(kv.knob.id, other)
                if kv.knob.cosmetic {
                    if HeaderRenderer.render(mine) != HeaderRenderer.render(theirs) {
                        changed.append("\(preset) header vs \(other)")
                        break search
                    }
                    continue
                }
                for s in Catalog.scenarios where signature(Simulator.run(s, design: mine)) != signature(Simulator.run(s, design: theirs)) {
                    changed.append("\(preset) \(s.id) vs \(other)")
                    break search
                }
            }
        }
        #expect(!changed.isEmpty, "\(kv.knob.id)=\(kv.value) changes nothing observable on any preset")
    }

    @Test func cosmeticKnobsChangeNoBehaviour() {
        for k in Catalog.knobs where k.cosmetic {
            for v in k.values {
                let base = Design(preset: .P2)
                let flipped = base.with(k.id, v)
                for s in Catalog.scenarios {
                    let a = Simulator.run(s, design: base)
                    let b = Simulator.run(s, design: flipped)
                    #expect(a.steps.map(\.short) == b.steps.map(\.short), "\(k.id)=\(v) changed \(s.id)")
                    #expect(a.warnings.map(\.kind) == b.warnings.map(\.kind), "\(k.id)=\(v) changed \(s.id)")
                    #expect(a.exploration?.verdict == b.exploration?.verdict, "\(k.id)=\(v) changed \(s.id)")
                }
            }
        }
    }

    @Test func everyKnobCitesTheThread() {
        for k in Catalog.knobs {
            #expect(!k.messageIds.isEmpty, "\(k.id) cites no message")
            for id in k.messageIds { #expect(id.contains("@"), "\(k.id): '\(id)' is not a Message-ID") }
            for p in Preset.allCases { #expect(k.values.contains(p.settings[k.id] ?? ""), "\(p) has no valid \(k.id)") }
        }
    }

    @Test(arguments: [
        ("P2", "P2"),
        ("p2,ops_lookup=get_uffd_ops", "P2,ops_lookup=get_uffd_ops"),
        ("M,retry=enoent_foliop,naming=handle_continue", "M,retry=enoent_foliop,naming=handle_continue"),
        ("P4,copy_delegation=core", "P4"),
    ])
    func designSpecRoundTrips(_ input: String, _ spec: String) throws {
        let d = try Design.parse(input)
        #expect(d.spec == spec)
        #expect(try Design.parse(d.spec) == d)
    }

    @Test(arguments: ["", "Q9", "P2,bogus=1", "P2,retry=sometimes", "P2,retry"])
    func badDesignSpecsAreRefused(_ input: String) {
        #expect(throws: DesignError.self) { try Design.parse(input) }
    }
}
