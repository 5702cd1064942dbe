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
            return LineRef(message: view.comments[ci].message, line: view.comments[ci].line)
        }
    }

    /// The TUI notes of a session (notes whose message is absent are left out).
    public static func notes(from session: Session, view: ReviewView, review: Review) -> [NoteView] {
        session.notes.compactMap { n in
            guard let ref = place(n.anchor, view: view, review: review) else { return nil }
            return NoteView(messageID: view.messages[ref.message].messageID, message: ref.message, line: ref.line, text: n.text)
        }
    }

    /// A session holding the TUI's notes, keeping the base session's identity and manual links.
    public static func session(notes: [NoteView], design: String?, view: ReviewView, review: Review, base: Session) -> Session {
        var s = Session(input: base.input, links: base.links, design: design ?? base.design)
        for n in notes { _ = s.addNote(anchor(for: n, view: view, review: review), text: n.text) }
        return s
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
