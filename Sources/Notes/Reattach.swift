import Foundation
import MailCore

/// How one note found its place again in a (possibly different) copy of the thread.
public enum AttachmentStatus: Sendable, Equatable, Hashable {
    /// Same message, same position, same text.
    case exact
    /// Found by fingerprint somewhere else (another line number, hunk or message).
    case moved(from: String, to: String)
    /// Nothing matched; the note keeps its old anchor and is listed apart.
    case orphaned(reason: String)
}

/// The result of re-attaching a session's notes to a set of messages.
public struct Reattachment: Sendable, Equatable {
    /// The notes with updated anchors (orphans unchanged), in the original order.
    public var notes: [Note]
    /// Per note id, how it was re-attached.
    public var status: [String: AttachmentStatus]

    /// Ids of the notes that could not be placed.
    public var orphans: [String] {
        notes.map(\.id).filter { if case .orphaned = status[$0] { return true } else { return false } }
    }
}

/// Re-attaches notes to a thread by Message-ID and fingerprints (pure).
public struct Reattacher: Sendable {
    private let messages: [Message]
    private let byId: [String: Int]
    private let patches: [String: PatchText]
    private let extraOrder: [String]

    /// Indexes the messages of one copy of a thread.
    /// - Parameters:
    ///   - messages: the thread as read.
    ///   - extraPatches: diffs that are not messages of their own (patches the review model
    ///     reconstructed from quotes when the patch mail is not in the input).
    public init(messages: [Message], extraPatches: [PatchText] = []) {
        self.messages = messages
        var ids: [String: Int] = [:]
        var patches: [String: PatchText] = [:]
        for (i, m) in messages.enumerated() where ids[m.messageId] == nil {
            ids[m.messageId] = i
            let p = PatchText(message: m)
            if !p.files.isEmpty { patches[m.messageId] = p }
        }
        for p in extraPatches where patches[p.messageId] == nil && !p.files.isEmpty { patches[p.messageId] = p }
        self.extraOrder = extraPatches.map(\.messageId)
        byId = ids
        self.patches = patches
    }

    /// The indexed diff of a message, if it has one.
    public func patch(_ messageId: String) -> PatchText? { patches[messageId] }

    /// The message with this Message-ID.
    public func message(_ messageId: String) -> Message? { byId[messageId].map { messages[$0] } }

    /// Re-attaches every note.
    public func reattach(_ notes: [Note]) -> Reattachment {
        var out: [Note] = []
        var status: [String: AttachmentStatus] = [:]
        for note in notes {
            let (anchor, s) = reattach(note.anchor)
            var n = note
            n.anchor = anchor
            out.append(n)
            status[note.id] = s
        }
        return Reattachment(notes: out, status: status)
    }

    /// Re-attaches one anchor. - Returns: the anchor to use and how it was found.
    public func reattach(_ anchor: NoteAnchor) -> (NoteAnchor, AttachmentStatus) {
        switch anchor {
        case .series:
            return (anchor, .exact)
        case .patch(let id):
            return (anchor, byId[id] != nil || patches[id] != nil ? .exact : .orphaned(reason: "message <\(id)> is not in the input"))
        case .line(let l):
            return reattachLine(l)
        case .hunk(let h):
            return reattachHunk(h)
        case .comment(let c):
            return reattachComment(c)
        }
    }

    /// Patches to search for an anchor: its own message first, then every other patch with the path.
    private func candidates(messageId: String, path: String) -> [PatchText] {
        var list: [PatchText] = []
        if let own = patches[messageId] { list.append(own) }
        for id in messages.map(\.messageId) + extraOrder where id != messageId {
            if let p = patches[id], p.file(path) != nil, !list.contains(where: { $0.messageId == id }) { list.append(p) }
        }
        return list
    }

    private func reattachLine(_ l: LineAnchor) -> (NoteAnchor, AttachmentStatus) {
        let here = describe(l)
        let list = candidates(messageId: l.messageId, path: l.path)
        // 1. same place, same context
        if let own = list.first, own.messageId == l.messageId,
           let a = own.lineAnchor(path: l.path, side: l.side, line: l.line), a.fingerprint == l.fingerprint {
            return (.line(a), .exact)
        }
        // 2. the same context elsewhere, then 3. the same line text elsewhere; nearest line wins.
        for matchContext in [true, false] {
            for p in list {
                guard let f = p.file(l.path) else { continue }
                var best: (distance: Int, anchor: LineAnchor)?
                for hunk in f.hunks {
                    let raws = hunk.rawLines
                    for (i, line) in hunk.lines.enumerated() {
                        guard let number = l.side == .new ? line.newLine : line.oldLine else { continue }
                        let fp = LineFingerprint(hunkLines: raws, at: i)
                        let hit = matchContext ? fp.context == l.fingerprint.context : fp.line == l.fingerprint.line
                        guard hit else { continue }
                        let d = abs(number - l.line)
                        if best.map({ d < $0.distance }) ?? true {
                            best = (d, LineAnchor(messageId: p.messageId, path: l.path, side: l.side,
                                                  line: number, fingerprint: fp))
                        }
                    }
                }
                if let best {
                    return (.line(best.anchor), .moved(from: here, to: describe(best.anchor)))
                }
            }
        }
        return (.line(l), .orphaned(reason: "no line matching \(here) in the input"))
    }

    private func reattachHunk(_ h: HunkAnchor) -> (NoteAnchor, AttachmentStatus) {
        let here = "<\(h.messageId)> \(h.path) hunk \(h.index + 1)"
        for p in candidates(messageId: h.messageId, path: h.path) {
            guard let f = p.file(h.path) else { continue }
            if p.messageId == h.messageId, let a = p.hunkAnchor(path: h.path, index: h.index), a.fingerprint == h.fingerprint {
                return (.hunk(a), .exact)
            }
            for i in f.hunks.indices {
                if let a = p.hunkAnchor(path: h.path, index: i), a.fingerprint == h.fingerprint {
                    return (.hunk(a), .moved(from: here, to: "<\(a.messageId)> \(a.path) hunk \(i + 1)"))
                }
            }
        }
        return (.hunk(h), .orphaned(reason: "no hunk matching \(here) in the input"))
    }

    private func reattachComment(_ c: CommentAnchor) -> (NoteAnchor, AttachmentStatus) {
        let wanted = collapsed(c.excerpt)
        if let m = message(c.messageId) {
            if wanted.isEmpty || collapsed(m.body).contains(wanted) { return (.comment(c), .exact) }
        }
        if !wanted.isEmpty {
            for m in messages where m.messageId != c.messageId && collapsed(m.body).contains(wanted) {
                var moved = c
                moved.messageId = m.messageId
                return (.comment(moved), .moved(from: "<\(c.messageId)>", to: "<\(m.messageId)>"))
            }
        }
        return (.comment(c), .orphaned(reason: "comment of <\(c.messageId)> is not in the input"))
    }

    private func describe(_ l: LineAnchor) -> String { "<\(l.messageId)> \(l.path):\(l.side.rawValue):\(l.line)" }
}

/// Text with every run of whitespace turned into one space (for containment tests).
func collapsed(_ text: String) -> String {
    text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }).joined(separator: " ")
}

extension Session {
    /// This session with its notes and links re-attached to another copy of the thread.
    /// - Parameters:
    ///   - messages: the messages of the copy just read.
    ///   - source: where they were read from (recorded in `input.source`).
    ///   - extraPatches: reconstructed patches that are not messages (`PatchText.reconstructed(in:)`).
    /// - Returns: the updated session and the per-note status.
    public func reattached(to messages: [Message], source: String, extraPatches: [PatchText] = []) -> (Session, Reattachment) {
        let r = Reattacher(messages: messages, extraPatches: extraPatches)
        let result = r.reattach(notes)
        var s = self
        s.notes = result.notes
        s.links = links.map { link in
            var l = link
            l.anchor = r.reattach(link.anchor).0
            return l
        }
        s.input.source = source
        return (s, result)
    }
}
