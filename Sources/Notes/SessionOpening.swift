import Foundation
import MailCore

/// A session ready for use on a thread just read, with what happened on the way.
public struct OpenedSession: Sendable, Equatable {
    public var session: Session
    /// Per note id, how it was re-attached (empty for a new session).
    public var status: [String: AttachmentStatus]
    /// Things the reviewer should be told (a corrupt file moved aside, orphaned notes, ...).
    public var notices: [String]
    /// Whether the session came from disk (false: a new, empty session).
    public var existed: Bool
}

extension SessionStore {
    /// Loads the session for a thread, or starts a new one, and re-attaches its notes.
    ///
    /// A corrupt file is moved aside and a new session started (with a notice); leftover temp
    /// files of interrupted saves older than a minute are removed (with a notice); notes that
    /// cannot be placed are kept and reported.
    /// - Parameters:
    ///   - messages: the thread as read.
    ///   - identity: the thread's identity (`InputIdentity(source:messages:)` or the review-based one).
    ///   - now: the clock, for naming a corrupt file.
    /// - Throws: `SessionError` for a newer format (the file is left untouched) or an I/O failure.
    ///   - extraPatches: reconstructed patches that are not messages (`PatchText.reconstructed(in:)`).
    public mutating func open(messages: [Message], identity: InputIdentity, extraPatches: [PatchText] = [],
                              now: Date = Date()) throws(SessionError) -> OpenedSession {
        var notices: [String] = []
        let stray = removeStrayTempFiles(now: now)
        if !stray.isEmpty {
            notices.append("removed \(stray.count) temp file(s) left by an interrupted save in \(url.deletingLastPathComponent().path)")
        }
        switch try load(now: now) {
        case .missing:
            return OpenedSession(session: Session(input: identity), status: [:], notices: notices, existed: false)
        case .movedAside(let movedTo, let reason):
            notices.append("\(url.path) was not a readable session (\(reason)); moved aside to \(movedTo), starting afresh")
            return OpenedSession(session: Session(input: identity), status: [:], notices: notices, existed: false)
        case .loaded(let stored):
            let (session, result) = stored.reattached(to: messages, source: identity.source, extraPatches: extraPatches)
            var merged = session
            merged.input.messageIds = Array(Set(stored.input.messageIds).union(identity.messageIds)).sorted()
            let moved = result.status.values.filter { if case .moved = $0 { return true } else { return false } }.count
            if moved > 0 { notices.append("\(moved) note(s) re-attached to lines that moved") }
            if !result.orphans.isEmpty {
                notices.append("\(result.orphans.count) note(s) could not be placed in this input: \(result.orphans.joined(separator: ", "))")
            }
            if stored.input.overlap(with: identity) == 0 && !stored.input.messageIds.isEmpty {
                notices.append("the session was written for other messages (\(stored.input.source)); notes were matched by content")
            }
            return OpenedSession(session: merged, status: result.status, notices: notices, existed: true)
        }
    }
}
