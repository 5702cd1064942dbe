import Foundation

/// One scenario's result as cited in a note: plain values captured from the model when the note
/// was taken, so the session and the exports never need to re-run the simulation.
public struct ScenarioEvidence: Sendable, Equatable, Hashable, Codable {
    /// Scenario identifier, e.g. `S6`.
    public var id: String
    public var title: String
    /// The one-line outcome, e.g. `CONTINUE -> -EINVAL`.
    public var outcome: String
    /// Lock-checker warnings of the run, one line each (`kind: message`).
    public var warnings: [String]

    public init(id: String, title: String, outcome: String, warnings: [String] = []) {
        self.id = id
        self.title = title
        self.outcome = outcome
        self.warnings = warnings
    }
}

/// What a note cites from the model: the design in force and the scenarios linked to the line.
public struct Evidence: Sendable, Equatable, Hashable, Codable {
    /// The design as a spec string (`P2,ops_lookup=get_uffd_ops`).
    public var design: String
    public var scenarios: [ScenarioEvidence]

    public init(design: String, scenarios: [ScenarioEvidence]) {
        self.design = design
        self.scenarios = scenarios
    }

    /// Every warning line of every cited scenario, each prefixed with its scenario id.
    public var allWarnings: [String] {
        scenarios.flatMap { s in s.warnings.map { "\(s.id): \($0)" } }
    }
}

/// One reviewer note.
public struct Note: Sendable, Equatable, Hashable, Codable, Identifiable {
    /// Stable identifier within a session (`n1`, `n2`, ...).
    public var id: String
    public var anchor: NoteAnchor
    /// The note's text as typed (paragraphs separated by blank lines; indented lines are code).
    public var text: String
    /// Evidence attached with the note, if any.
    public var evidence: Evidence?
    public var created: Date?
    public var modified: Date?

    public init(id: String, anchor: NoteAnchor, text: String, evidence: Evidence? = nil,
                created: Date? = nil, modified: Date? = nil) {
        self.id = id
        self.anchor = anchor
        self.text = text
        self.evidence = evidence
        self.created = created
        self.modified = modified
    }
}

/// A link the reviewer made by hand between a place in the review and a model element.
public struct ManualLink: Sendable, Equatable, Hashable, Codable {
    /// Where the link starts (any anchor a note could have).
    public var anchor: NoteAnchor
    /// The model element, as `kind:id` (`knob:ops_lookup`, `scenario:S6`, `lock:mmap_lock`).
    public var target: String
    /// Why the reviewer linked them.
    public var reason: String

    public init(anchor: NoteAnchor, target: String, reason: String) {
        self.anchor = anchor
        self.target = target
        self.reason = reason
    }
}
