import UffdModel

/// Runs the `vm_uffd_ops` model for the model pane: every scenario under a design, its warnings
/// and the generated header, as a `ModelSnapshot`. Pure (the model is deterministic).
public struct ModelEngine: Sendable {
    public init() {}

    /// The model's design for a choice; nil for an unknown preset.
    public static func design(_ choice: DesignChoice) -> Design? {
        guard let preset = Preset.allCases.first(where: { $0.rawValue.lowercased() == choice.preset.lowercased() }) else { return nil }
        var settings: [String: String] = [:]
        for (k, v) in choice.overrides {
            if let knob = Catalog.knob(k), knob.values.contains(v) { settings[k] = v }
        }
        return Design(preset: preset, settings: settings)
    }

    /// `P2,ops_lookup=get_uffd_ops`, the spec the CLI and the session use.
    public static func spec(_ choice: DesignChoice) -> String {
        design(choice)?.spec ?? choice.preset
    }

    /// Re-runs every scenario under the design and collects what the pane shows.
    /// - Returns: nil when the preset is unknown.
    public func snapshot(_ choice: DesignChoice) -> ModelSnapshot? {
        guard let design = Self.design(choice) else { return nil }
        let runs = Simulator.matrix(designs: [design])
        var titles: [String: String] = [:]
        for s in Catalog.scenarios { titles[s.id] = s.title }
        let knobs = Catalog.knobs.map {
            KnobView(id: $0.id, title: $0.title, value: design.value(of: $0.id), options: $0.values, cosmetic: $0.cosmetic)
        }
        let scenarios = runs.map {
            ScenarioView(id: $0.scenarioId, title: Sanitizer.clean(titles[$0.scenarioId] ?? ""), outcome: Sanitizer.clean($0.outcome),
                         passed: $0.failedExpectations.isEmpty)
        }
        var warnings: [WarningView] = []
        for r in runs {
            for w in r.warnings {
                warnings.append(WarningView(title: "\(r.scenarioId): \(Sanitizer.clean(w.message))", lines: w.chain.map(Sanitizer.clean)))
            }
        }
        let header = Sanitizer.lines(HeaderRenderer.render(design))
        return ModelSnapshot(choice: DesignChoice(preset: design.preset.rawValue, overrides: design.settings),
                             presets: Preset.allCases.map(\.rawValue), knobs: knobs, scenarios: scenarios,
                             warnings: warnings, header: header)
    }
}
