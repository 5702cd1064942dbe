import Foundation
import Linking
import MailCore
import Notes
import ReviewCore
import Testing
import TestSupport
@testable import TUICore

/// One run of the TUI on a file: the state, the kept session and an environment that saves
/// through it, as `patchlab open` wires them.
struct Run {
    var state: AppState
    var keeper: SessionKeeper
    var opened: OpenedSession
    var env: AppEnvironment
    var messages: [Message]

    static let clock: @Sendable () -> Date = { Date(timeIntervalSince1970: 1_764_000_000) }

    init(_ path: String, session url: URL, exportTo directory: URL? = nil) throws {
        let mailbox = try MailReader.read(path: path)
        let review = Review(mailbox: mailbox)
        let view = ReviewViewBuilder.build(mailbox: mailbox, review: review, manualLinks: [:], title: "t")
        (keeper, opened) = try SessionKeeper.open(SessionStore(url: url), messages: mailbox.messages, review: review, view: view,
                                                  identity: InputIdentity(source: path, messages: mailbox.messages), clock: Self.clock)
        state = AppState(review: view, size: Size(columns: 160, rows: 48), snapshot: Fixture.snapshot())
        state.adopt(keeper)
        messages = mailbox.messages
        let msgs = mailbox.messages
        let dir = directory ?? url.deletingLastPathComponent()
        env = .keeping(keeper, exporter: { format, session in
            ExportFiles.export(format, session: session, messages: msgs, directory: dir) { Address(name: "Rev Iewer", email: "rev@example.org") }
        })
    }

    /// Sends keys through reduce and the runtime (effects carried out, autosaves included).
    mutating func keys(_ keys: Key...) {
        for k in keys { AppRuntime.dispatch(.input(.key(k)), &state, terminal: nil, environment: env) }
    }

    mutating func type(_ text: String) {
        for c in text { keys(.char(c)) }
    }

    /// Opens message `m` and puts the cursor on its row for line `line`.
    mutating func go(message m: Int, line: Int) throws {
        state.go(to: m, line: line)
        try #require(state.currentAnchor == LineRef(message: m, line: line))
    }

    /// Adds a note on a line with the inline editor.
    mutating func note(message m: Int, line: Int, _ text: String) throws {
        try go(message: m, line: line)
        keys(.char("a"))
        type(text)
        keys(.enter)
    }

    /// The first added line of the patch message whose subject starts with `subject` (the patch
    /// laid out first, as showing it would).
    mutating func addedLine(_ subject: String, skip: Int = 0) throws -> (message: Int, line: Int) {
        let m = try #require(state.review.messages.firstIndex { $0.subject.hasPrefix(subject) }, "\(subject)")
        state.review.materialize(m)
        let lines = state.review.messages[m].lines.indices.filter { state.review.messages[m].lines[$0].kind == .added }
        try #require(lines.count > skip)
        return (m, lines[skip])
    }
}

@Suite struct SessionKeepingTests {
    static var demo: String { Pipeline.demo }

    @Test func notesOnV1AndV2LinesSurviveAutosavesAndAReload() throws {
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        let url = dir.url.appendingPathComponent("session.json")
        // A note the view cannot place (its message is not in this input) with evidence and a
        // date: the first autosave used to delete it.
        var prior = Session(input: InputIdentity(source: "elsewhere", messageIds: ["gone@x"], seriesSubject: "x", coverMessageId: nil))
        let evidence = Evidence(design: "P2", scenarios: [])
        prior.addNote(.patch(messageId: "gone@x"), text: "on a version not in this file", evidence: evidence, at: Run.clock())
        var store = SessionStore(url: url)
        try store.save(prior)

        var run = try Run(Self.demo, session: url)
        #expect(run.state.notes.isEmpty)
        let v1 = try run.addedLine("[PATCH 1/3]")
        let v2 = try run.addedLine("[PATCH v2 1/3]")
        try run.note(message: v1.message, line: v1.line, "v1: why a pointer here?")
        #expect(run.state.status.hasPrefix("note added (1 total) — saved 2 notes to "), "autosave after the first note: \(run.state.status)")
        try run.note(message: v2.message, line: v2.line, "v2: better, but document it")
        try run.note(message: v2.message, line: v2.line, "v2: second thought on the same line")
        run.keys(.char("s"))
        #expect(run.state.status.hasPrefix("session up to date"), "one store: an unchanged save writes nothing (\(run.state.status))")
        #expect(run.state.unsaved == false)

        let saved = run.keeper.session
        #expect(saved.notes.count == 4)
        let kept = try #require(saved.notes.first)
        #expect(kept.id == "n1" && kept.evidence == evidence && kept.created == Run.clock())
        #expect(Set(saved.notes.map(\.id)).count == 4)

        // Reload, as the next `patchlab` start does; then more autosaves.
        var again = try Run(Self.demo, session: url)
        #expect(Set(again.state.notes.map(\.text)) == ["v1: why a pointer here?", "v2: better, but document it", "v2: second thought on the same line"])
        #expect(again.state.notes.contains { $0.message == v1.message && $0.line == v1.line && $0.text.hasPrefix("v1") })
        #expect(again.state.notes.filter { $0.message == v2.message && $0.line == v2.line }.count == 2)
        let v1b = try again.addedLine("[PATCH 1/3]", skip: 1)
        try again.note(message: v1b.message, line: v1b.line, "v1: another")
        again.keys(.char("s"))
        let final = try #require(try SessionStore(url: url).loadedSession())
        #expect(final.notes.count == 5)
        #expect(final.notes.prefix(4).map(\.id) == saved.notes.map(\.id), "ids kept across saves and reloads")
        #expect(final.notes.first?.evidence == evidence)
        #expect(final.notes.map(\.text).contains("on a version not in this file"))
    }

    @Test func aSeedNoteReattachesAfterReopening() throws {
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        let url = dir.url.appendingPathComponent("session.json")
        let seed = Pipeline.seed
        var run = try Run(seed, session: url)
        // A line of the patch rebuilt from the reply's quotes.
        let m = try #require(run.state.review.messages.firstIndex { mv in mv.lines.contains { $0.position != nil } })
        let line = try #require(run.state.review.messages[m].lines.firstIndex { $0.position != nil && $0.kind != .fileHeader })
        try run.note(message: m, line: line, "seed: this needs a comment")
        #expect(run.state.status.contains(" — saved 1 note to \(url.path)"), "\(run.state.status)")
        let stored = try #require(run.keeper.session.notes.first)
        guard case .line = stored.anchor else {
            Issue.record("a note on a diff line is anchored to the line: \(stored.anchor)")
            return
        }

        let again = try Run(seed, session: url)
        #expect(again.opened.notices.isEmpty, "\(again.opened.notices)")
        #expect(again.opened.status[stored.id] == .exact)
        #expect(again.state.notes == [NoteView(messageID: run.state.review.messages[m].messageID, message: m, line: line,
                                               text: "seed: this needs a comment", sessionID: stored.id)])
    }

    @Test func evidenceAttachedToANoteIsShownSavedAndReloaded() throws {
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        let url = dir.url.appendingPathComponent("session.json")
        var run = try Run(Self.demo, session: url)
        // A line that a rule links to a scenario.
        var spot: (Int, Int)?
        for (m, msg) in run.state.review.messages.enumerated() where spot == nil {
            if let l = msg.lines.firstIndex(where: { $0.links.contains { $0.target.kind == .scenario } }) { spot = (m, l) }
        }
        let (m, l) = try #require(spot, "the demo links some line to a scenario")
        let linked = run.state.review.messages[m].lines[l].links.filter { $0.target.kind == .scenario }.map(\.target.id)
        try run.note(message: m, line: l, "what does the model say here?")
        run.state.focus = .patch
        run.keys(.char("E"))
        let ev = try #require(run.state.notes.first?.evidence, "\(run.state.status)")
        #expect(ev.design == ModelEngine.spec(try #require(run.state.snapshot?.choice)))
        #expect(Set(ev.scenarios.map(\.id)).isSuperset(of: Set(linked)))
        #expect(ev.scenarios.allSatisfy { !$0.outcome.isEmpty })
        #expect(run.state.status.hasPrefix("evidence attached"), "\(run.state.status)")
        #expect(run.state.document.contains { $0.cells.cells.map(\.text).joined().contains("evidence under \(ev.design)") })
        // Autosaved into the session, and back after a reload.
        #expect(run.keeper.session.notes.first?.evidence == ev)
        let again = try Run(Self.demo, session: url)
        #expect(again.state.notes.first?.evidence == ev)
    }

    @Test func evidenceNeedsANoteUnderTheCursor() throws {
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        var run = try Run(Self.demo, session: dir.url.appendingPathComponent("session.json"))
        run.state.focus = .patch
        run.keys(.char("E"))
        #expect(run.state.status.hasPrefix("no note under the cursor"))
        #expect(run.state.notes.isEmpty)
    }

    @Test func manualLinksAreAddedShownSavedAndRemoved() throws {
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        let url = dir.url.appendingPathComponent("session.json")
        var run = try Run(Self.demo, session: url)
        let first = try #require(run.state.review.comments.first)
        // Patches are laid out when first shown: before that their comments' rows are unknown.
        #expect(first.line == -1)
        run.state.review.materialize(first.message)
        let c = try #require(run.state.review.comments.first)
        #expect(c.line >= 0 && run.state.review.messages[c.message].lines[c.line].kind == .commentHeader)
        try run.go(message: c.message, line: c.line + 1)   // a row of the comment's text
        run.keys(.char("L"))
        guard case .linkPrompt(_, let targets, _)? = run.state.overlay else {
            Issue.record("L asks for a target: \(String(describing: run.state.overlay))")
            return
        }
        let s1 = LinkTarget(kind: .scenario, id: "S1")
        #expect(targets == [LinkTarget(kind: .knob, id: "ops_lookup"), LinkTarget(kind: .knob, id: "naming"),
                            s1, LinkTarget(kind: .scenario, id: "S6")])
        run.keys(.down, .down, .enter)
        #expect(run.state.overlay == nil)
        #expect(run.state.manualLinks == [ManualLinkView(messageID: run.state.review.messages[c.message].messageID, message: c.message,
                                                         line: c.line, target: s1)])
        let header = run.state.review.messages[c.message].lines[c.line]
        #expect(header.links.contains(Link(target: s1, origin: .manual, matched: "reviewer", reason: "added by you")))
        #expect(run.state.review.comments.first?.links.contains { $0.target == s1 && $0.origin == .manual } == true)
        #expect(run.state.document.contains { $0.cells.cells.map(\.text).joined().contains("[S1]") })
        let link = try #require(run.keeper.session.links.first, "autosaved")
        #expect(link.target == "scenario:S1" && link.reason == "added by you")
        guard case .comment = link.anchor else { Issue.record("a comment row links the comment: \(link.anchor)"); return }

        // From the model: S1 lists the comment, marked manual.
        run.state.focus = .model
        run.state.modelPosition.cursor = try #require(run.state.modelRow(for: s1))
        run.keys(.char("o"))
        guard case .links(_, let entries, _)? = run.state.overlay else { Issue.record("o lists comments"); return }
        #expect(entries.filter { $0.label.contains("(manual)") }.map(\.destination) == [.line(message: c.message, line: c.line)])
        run.keys(.escape)

        // Reload shows it; L from the model pane on the same comment removes it.
        var again = try Run(Self.demo, session: url)
        #expect(again.state.manualLinks.map(\.target) == [s1])
        try again.go(message: c.message, line: c.line)
        again.state.focus = .model
        again.state.modelPosition.cursor = try #require(again.state.modelRow(for: s1))
        again.keys(.char("L"))
        #expect(again.state.manualLinks.isEmpty)
        #expect(again.state.status.hasPrefix("removed your link to scenario:S1 — saved 0 notes"), "\(again.state.status)")
        #expect(again.keeper.session.links.isEmpty)
        #expect(!again.state.review.messages[c.message].lines[c.line].links.contains { $0.origin == .manual })
    }

    @Test(arguments: [(Key.char("m"), ExportFormat.markdown, "-notes.md"), (.char("j"), .json, "-notes.json"),
                      (.char("r"), .reply, "-reply.mbox")])
    func exportAsksForAFormatAndNeverOverwrites(key: Key, format: ExportFormat, suffix: String) throws {
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        let url = dir.url.appendingPathComponent("s/session.json")
        var run = try Run(Self.demo, session: url)
        let v1 = try run.addedLine("[PATCH 1/3]")
        try run.note(message: v1.message, line: v1.line, "export me")
        var paths: [String] = []
        for _ in 0..<2 {
            run.keys(.char("x"))
            #expect(run.state.overlay == .exportPrompt(cursor: ExportFormat.allCases.firstIndex(of: run.state.exportFormat) ?? 0))
            run.keys(key)
            #expect(run.state.overlay == nil)
            #expect(run.state.exportFormat == format)
            let status = run.state.status
            let path = try #require(status.range(of: " to ").map { String(status[$0.upperBound...]) }, "\(status)")
            paths.append(path)
        }
        #expect(paths[0].hasSuffix(suffix))
        #expect(paths[1] == ExportFiles.freshURL(in: URL(fileURLWithPath: paths[0]).deletingLastPathComponent(),
                                                 name: URL(fileURLWithPath: paths[0]).lastPathComponent, exists: { $0 == paths[0] }).path)
        #expect(paths[0] != paths[1])
        for p in paths {
            let text = try String(contentsOfFile: p, encoding: .utf8)
            #expect(text.contains("export me"))
        }
        #expect(URL(fileURLWithPath: paths[0]).deletingLastPathComponent().path == url.deletingLastPathComponent().path)
    }

    @Test func exportPromptCancelsWithEscape() {
        var state = Fixture.state
        _ = reduce(&state, .input(.key(.char("x"))))
        #expect(state.overlay == .exportPrompt(cursor: 1))
        #expect(reduce(&state, .input(.key(.down))) == [])
        #expect(state.overlay == .exportPrompt(cursor: 2))
        #expect(reduce(&state, .input(.key(.escape))) == [])
        #expect(state.overlay == nil)
        #expect(state.status == "export cancelled")
        _ = reduce(&state, .input(.key(.char("x"))))
        #expect(reduce(&state, .input(.key(.enter))) == [.export(.markdown, notes: [], links: [], choice: Fixture.snapshot().choice)])
    }

    @Test func addingANoteAutosaves() {
        var state = Fixture.state
        state.patch.cursor = 5
        _ = reduce(&state, .input(.key(.char("a"))))
        _ = reduce(&state, .input(.key(.char("!"))))
        let effects = reduce(&state, .input(.key(.enter)))
        #expect(effects == [.saveSession(notes: state.notes, links: [], choice: Fixture.snapshot().choice)])
        #expect(state.notes.count == 1)
    }

    @Test func aFailedSaveKeepsTheNotesAndSaysSo() throws {
        let dir = try ScratchDirectory()
        defer { dir.remove() }
        let blocker = dir.url.appendingPathComponent("file")
        try Data("x".utf8).write(to: blocker)
        var run = try Run(Self.demo, session: blocker.appendingPathComponent("session.json"))
        let v1 = try run.addedLine("[PATCH 1/3]")
        try run.note(message: v1.message, line: v1.line, "kept in memory")
        #expect(run.state.status.contains(" — save failed, notes kept in memory"), "\(run.state.status)")
        #expect(run.state.unsaved)
        #expect(run.state.notes.map(\.text) == ["kept in memory"])
    }
}

@Suite struct DesignSpecTests {
    @Test(arguments: [DesignChoice(preset: "P2"), DesignChoice(preset: "P2", overrides: ["ops_lookup": "get_uffd_ops"])])
    func aSavedDesignReadsBackAsTheSameChoice(_ choice: DesignChoice) throws {
        let spec = ModelEngine.spec(choice)
        let back = try #require(DesignChoice(spec: spec), "\(spec)")
        #expect(ModelEngine.spec(back) == spec)
        #expect(back.overrides == choice.overrides)
    }

    @Test func anEmptySpecIsNoChoice() {
        #expect(DesignChoice(spec: "") == nil)
    }
}

extension SessionStore {
    /// The session on disk (nil when there is none).
    func loadedSession() throws -> Session? {
        var copy = self
        if case .loaded(let s) = try copy.load() { return s }
        return nil
    }
}
