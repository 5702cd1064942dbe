import Foundation
import Linking
import MailCore
import Notes
import ReviewCore

/// Converts between the TUI's notes (message and line indexes) and the Notes module's session
/// (anchors keyed by Message-ID and line fingerprints), both ways.
public enum SessionBridge {
    /// The session anchor for a TUI note: a diff line, a reviewer comment, or the message.
    public static func anchor(for note: NoteView, view: ReviewView, review: Review) -> Notes.NoteAnchor {
        guard view.messages.indices.contains(note.message) else { return .patch(messageId: note.messageID) }
        let message = view.messages[note.message]
        guard message.lines.indices.contains(note.line) else { return .patch(messageId: message.messageID) }
        let line = message.lines[note.line]
        if let pos = line.position, let patch = review.patch(id: message.messageID), let file = patch.file(pos.path),
           let hunk = file.hunks.first(where: { $0.index == pos.hunk }) {
            let side: DiffSide = line.kind == .removed ? .old : .new
            let number = side == .old ? line.oldLine : line.newLine
            if let number {
                let fp = LineFingerprint(hunkLines: hunk.lines.map(\.diffText), at: pos.index)
                return .line(LineAnchor(messageId: message.messageID, path: pos.path, side: side, line: number, fingerprint: fp))
            }
        }
        if let ci = line.comment, review.comments.indices.contains(ci) {
            let c = review.comments[ci]
            return .comment(CommentAnchor(messageId: c.messageId, index: c.ordinal, text: c.text))
        }
        return .patch(messageId: message.messageID)
    }

    /// Where a session note shows in the TUI, nil when its message is not in the view.
    public static func place(_ anchor: Notes.NoteAnchor, view: ReviewView, review: Review) -> LineRef? {
        func message(_ id: String) -> Int? { view.messages.firstIndex { $0.messageID == id } }
        switch anchor {
        case .series:
            return view.entries.compactMap(\.message).first.map { LineRef(message: $0, line: 0) }
        case .patch(let id):
            return message(id).map { LineRef(message: $0, line: 0) }
        case .hunk(let h):
            guard let m = message(h.messageId) else { return nil }
            let l = view.messages[m].lines.firstIndex { $0.position?.path == h.path && $0.position?.hunk == h.index } ?? 0
            return LineRef(message: m, line: max(0, l - 1))
        case .line(let la):
            guard let m = message(la.messageId) else { return nil }
            let l = view.messages[m].lines.firstIndex { line in
                guard line.position?.path == la.path else { return false }
                return la.side == .old ? (line.oldLine == la.line && line.kind != .added) : (line.newLine == la.line && line.kind != .removed)
            }
            return LineRef(message: m, line: l ?? 0)
        case .comment(let ca):
            guard let ci = review.comments.firstIndex(where: { $0.messageId == ca.messageId && $0.ordinal == ca.index }),
                  view.comments.indices.contains(ci) else { return message(ca.messageId).map { LineRef(message: $0, line: 0) } }
            // A row still unknown (its patch not laid out) places the note at the patch's top.
            return LineRef(message: view.comments[ci].message, line: max(0, view.comments[ci].line))
        }
    }

    /// The TUI notes of a session (notes whose message is absent are left out).
    public static func notes(from session: Session, view: ReviewView, review: Review) -> [NoteView] {
        session.notes.compactMap { n in
            guard let ref = place(n.anchor, view: view, review: review) else { return nil }
            return NoteView(messageID: view.messages[ref.message].messageID, message: ref.message, line: ref.line, text: n.text)
        }
    }

    /// Manual links of a session, keyed by comment id (`messageId#ordinal`) for the view builder.
    public static func manualLinks(_ session: Session) -> [String: [Link]] {
        var out: [String: [Link]] = [:]
        for l in session.links {
            guard case .comment(let c) = l.anchor, let target = LinkTarget(parsing: l.target) else { continue }
            out["\(c.messageId)#\(c.index)", default: []].append(Link(target: target, origin: .manual, matched: "reviewer", reason: l.reason))
        }
        return out
    }
}

/// The session of an open review, kept for the whole run together with its one `SessionStore`.
///
/// Every save merges what the TUI shows into the loaded session with
/// `Session.synchronised(with:visible:at:)`, so notes the view cannot place (other versions,
/// orphans), note ids, dates, evidence, links and cited evidence all survive; the single store
/// skips saves that change nothing. Thread-safe (the runtime's effect closures are `Sendable`).
public final class SessionKeeper: @unchecked Sendable {
    /// Writes an export of a session in a format; returns the status line (the path written).
    public typealias Exporter = @Sendable (ExportFormat, Session) -> String

    private let lock = NSLock()
    private var base: Session
    private var store: SessionStore?
    private var view: ReviewView
    private let review: Review
    private let clock: @Sendable () -> Date
    /// Anchors of session notes the view has shown (at load or in a save): only these can be
    /// edited by a save; the rest are kept untouched.
    private var shownAnchors: Set<Notes.NoteAnchor> = []
    /// Session links the view shows, by their view form (kept exactly as stored).
    private var linkOrigins: [ManualLinkView: ManualLink] = [:]

    /// - Parameters:
    ///   - session: the session as opened (re-attached to this input).
    ///   - store: where saves go (nil: saving reports that there is no session file).
    ///   - view: the review view the TUI starts with.
    ///   - review: the review the view was built from.
    ///   - clock: the time recorded on new and edited notes.
    public init(session: Session, store: SessionStore?, view: ReviewView, review: Review,
                clock: @escaping @Sendable () -> Date = { Date() }) {
        self.base = session
        self.store = store
        self.view = view
        self.review = review
        self.clock = clock
    }

    /// Opens the session of a thread through `store` (re-attaching notes, also to patches rebuilt
    /// from quotes) and keeps store and session for the run.
    /// - Returns: the keeper and what `SessionStore.open` reported (notices for the status line).
    /// - Throws: `SessionError` for a newer format (file untouched) or an I/O failure.
    public static func open(_ store: SessionStore, messages: [Message], review: Review, view: ReviewView,
                            identity: InputIdentity, clock: @escaping @Sendable () -> Date = { Date() })
        throws(SessionError) -> (SessionKeeper, OpenedSession) {
        var store = store
        let opened = try store.open(messages: messages, identity: identity, extraPatches: PatchText.reconstructed(in: review), now: clock())
        return (SessionKeeper(session: opened.session, store: store, view: view, review: review, clock: clock), opened)
    }

    /// The session as last saved (or as loaded).
    public var session: Session { lock.withLock { base } }

    /// The session file, if any.
    public var url: URL? { lock.withLock { store?.url } }

    private func materialize(_ id: String) {
        guard let m = view.messages.firstIndex(where: { $0.messageID == id }), view.messages[m].isDeferred else { return }
        view.materialize(m)
    }

    /// Builds the rows of only the messages the session's anchors name (first frame stays cheap):
    /// for a comment anchor, the patch the comment is shown in.
    private func materializeAnchored() {
        var ids = Set(base.notes.compactMap(\.anchor.messageId))
        ids.formUnion(base.links.compactMap(\.anchor.messageId))
        for m in view.messages.indices where view.messages[m].isDeferred && ids.contains(view.messages[m].messageID) {
            view.materialize(m)
        }
        for anchor in base.notes.map(\.anchor) + base.links.map(\.anchor) {
            guard case .comment(let ca) = anchor,
                  let ci = review.comments.firstIndex(where: { $0.messageId == ca.messageId && $0.ordinal == ca.index }),
                  view.comments.indices.contains(ci), view.comments[ci].line < 0 else { continue }
            view.materialize(view.comments[ci].message)
        }
    }

    /// The session's notes the view can place, each carrying its session note id.
    public func placedNotes() -> [NoteView] {
        lock.withLock {
            materializeAnchored()
            var out: [NoteView] = []
            for n in base.notes {
                guard let ref = SessionBridge.place(n.anchor, view: view, review: review) else { continue }
                shownAnchors.insert(n.anchor)
                out.append(NoteView(messageID: view.messages[ref.message].messageID, message: ref.message, line: ref.line,
                                    text: n.text, sessionID: n.id, evidence: n.evidence))
            }
            return out
        }
    }

    /// The session's manual links the view can place (to a knob or scenario).
    public func placedLinks() -> [ManualLinkView] {
        lock.withLock {
            materializeAnchored()
            var out: [ManualLinkView] = []
            for l in base.links {
                guard let target = LinkTarget(parsing: l.target),
                      let ref = SessionBridge.place(l.anchor, view: view, review: review) else { continue }
                let v = ManualLinkView(messageID: view.messages[ref.message].messageID, message: ref.message, line: ref.line,
                                       target: target, reason: l.reason)
                linkOrigins[v] = l
                out.append(v)
            }
            return out
        }
    }

    /// The session with the view's notes, links and design merged in (nothing else changes).
    public func merged(notes: [NoteView], links: [ManualLinkView], choice: DesignChoice?) -> Session {
        lock.withLock { mergedLocked(notes: notes, links: links, choice: choice, commit: false) }
    }

    private func anchor(_ n: NoteView) -> Notes.NoteAnchor {
        if let id = n.sessionID, let stored = base.notes.first(where: { $0.id == id }) { return stored.anchor }
        materialize(n.messageID)
        return SessionBridge.anchor(for: n, view: view, review: review)
    }

    private func mergedLocked(notes: [NoteView], links: [ManualLinkView], choice: DesignChoice?, commit: Bool) -> Session {
        let shown = notes.map { (anchor: anchor($0), text: $0.text) }
        let visible = shownAnchors.union(shown.map(\.anchor))
        var s = base.synchronised(with: shown, visible: { visible.contains($0) }, at: clock())
        // Evidence the reviewer attached (or refreshed) in this run goes onto the matching note.
        for (n, sh) in zip(notes, shown) {
            guard let ev = n.evidence,
                  let stored = s.notes.first(where: { $0.anchor == sh.anchor && $0.text == sh.text }),
                  stored.evidence != ev else { continue }
            _ = s.setEvidence(id: stored.id, ev, at: clock())
        }
        var made: [ManualLinkView: ManualLink] = [:]
        for l in links {
            if let stored = linkOrigins[l] { made[l] = stored; continue }
            materialize(l.messageID)
            let a = SessionBridge.anchor(for: NoteView(messageID: l.messageID, message: l.message, line: l.line, text: ""),
                                         view: view, review: review)
            made[l] = ManualLink(anchor: a, target: l.target.description, reason: l.reason)
        }
        // Stored links the view never showed stay; the ones it showed are now exactly its list.
        let wasShown = Set(linkOrigins.values)
        var result = base.links.filter { !wasShown.contains($0) }
        for l in links { if let m = made[l], !result.contains(m) { result.append(m) } }
        s.links = result
        if let choice { s.design = ModelEngine.spec(choice) }
        if commit {
            shownAnchors = visible
            linkOrigins = made
        }
        return s
    }

    /// Merges the view into the session and saves it through the one store.
    /// - Returns: success and a status line.
    public func save(notes: [NoteView], links: [ManualLinkView], choice: DesignChoice?) -> (Bool, String) {
        lock.withLock {
            let s = mergedLocked(notes: notes, links: links, choice: choice, commit: false)
            guard var st = store else { return (false, "not saved: no session file (--session FILE)") }
            do {
                let wrote = try st.save(s)
                store = st
                _ = mergedLocked(notes: notes, links: links, choice: choice, commit: true)
                base = s
                let count = s.notes.count == 1 ? "1 note" : "\(s.notes.count) notes"
                return (true, wrote ? "saved \(count) to \(st.url.path)" : "session up to date (\(count))")
            } catch {
                return (false, "save failed, notes kept in memory: \(error)")
            }
        }
    }

    /// Exports the session with the view merged in (saved or not).
    public func export(_ format: ExportFormat, notes: [NoteView], links: [ManualLinkView], choice: DesignChoice?,
                       using exporter: Exporter) -> String {
        let s = merged(notes: notes, links: links, choice: choice)
        return exporter(format, s)
    }
}

/// Writing export files without overwriting anything.
public enum ExportFiles {
    /// Writes an export of a session into `directory` (`reviews/<slug>/` by default, beside the
    /// session), never replacing a file: a taken name gets a numeric suffix.
    /// - Parameter sender: the reply's `From:` (nil: a reply cannot be made, say how to fix it).
    /// - Returns: a status line naming the file written.
    public static func export(_ format: ExportFormat, session: Session, messages: [Message], directory: URL,
                              now: Date = Date(), sender: () -> Address?) -> String {
        let slug = SeriesInfo.slug(session.input.seriesSubject)
        let data: Data
        let name: String
        var what = session.notes.count == 1 ? "1 note" : "\(session.notes.count) notes"
        switch format {
        case .markdown:
            data = Data(MarkdownReport.render(session: session, messages: messages).utf8)
            name = "\(slug)-notes.md"
        case .json:
            guard let d = try? NotesJSON(session: session, messages: messages).encoded() else { return "export failed: cannot encode JSON" }
            data = d
            name = "\(slug)-notes.json"
        case .reply:
            guard let from = sender() else {
                return "reply export needs git config user.email (or use `patchlab export --from`)"
            }
            let export = ReplyExporter.export(session: session, messages: messages, options: ReplyOptions(from: from, now: now))
            data = Data(export.mbox(now: now).utf8)
            name = "\(slug)-reply.mbox"
            what = "\(export.mails.count) reply mail(s)"
        }
        do {
            let url = try write(data, directory: directory, name: name)
            return "exported \(what) to \(url.path)"
        } catch {
            return "export failed: \(error.localizedDescription)"
        }
    }

    /// `directory/name`, or `stem-2.ext`, `stem-3.ext`, … when that exists.
    public static func freshURL(in directory: URL, name: String, exists: (String) -> Bool = { FileManager.default.fileExists(atPath: $0) }) -> URL {
        let first = directory.appendingPathComponent(name)
        guard exists(first.path) else { return first }
        let ext = (name as NSString).pathExtension
        let stem = (name as NSString).deletingPathExtension
        var n = 2
        while true {
            let candidate = directory.appendingPathComponent(ext.isEmpty ? "\(stem)-\(n)" : "\(stem)-\(n).\(ext)")
            if !exists(candidate.path) { return candidate }
            n += 1
        }
    }

    /// Writes `data` to a new file in `directory` (never replacing one: `O_EXCL` semantics via
    /// `withoutOverwriting`), choosing a numbered name when `name` is taken.
    /// - Returns: the file written.
    public static func write(_ data: Data, directory: URL, name: String) throws -> URL {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for _ in 0..<1000 {
            let url = freshURL(in: directory, name: name)
            do {
                try data.write(to: url, options: .withoutOverwriting)
                return url
            } catch CocoaError.fileWriteFileExists {
                continue
            }
        }
        throw CocoaError(.fileWriteFileExists)
    }
}

extension AppState {
    /// Shows the notes and manual links of a kept session.
    /// - Returns: how many session notes could not be shown in this view (they stay in the session).
    @discardableResult
    public mutating func adopt(_ keeper: SessionKeeper) -> Int {
        notes = keeper.placedNotes()
        for l in keeper.placedLinks() { addManualLink(l) }
        rebuildDocument()
        return keeper.session.notes.count - notes.count
    }
}

extension DesignChoice {
    /// The choice a session's design spec names (`P2,ops_lookup=get_uffd_ops`, as `ModelEngine.spec`
    /// writes it); nil for an empty spec.
    public init?(spec: String) {
        let parts = spec.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let preset = parts.first, !preset.isEmpty else { return nil }
        var overrides: [String: String] = [:]
        for p in parts.dropFirst() {
            let kv = p.split(separator: "=", maxSplits: 1).map(String.init)
            if kv.count == 2 { overrides[kv[0]] = kv[1] }
        }
        self.init(preset: preset, overrides: overrides)
    }
}
