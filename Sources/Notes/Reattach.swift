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
    private let extra: [String: PatchText]
    private let extraOrder: [String]

    /// Prepares re-attachment to one copy of a thread. Diffs are indexed lazily: only the messages
    /// notes point at, plus every patch when a note has to be searched for elsewhere.
    /// - Parameters:
    ///   - messages: the thread as read.
    ///   - extraPatches: diffs that are not messages of their own (patches the review model
    ///     reconstructed from quotes when the patch mail is not in the input).
    public init(messages: [Message], extraPatches: [PatchText] = []) {
        self.messages = messages
        var ids: [String: Int] = [:]
        for (i, m) in messages.enumerated() where ids[m.messageId] == nil { ids[m.messageId] = i }
        byId = ids
        var extra: [String: PatchText] = [:]
        for p in extraPatches where ids[p.messageId] == nil && extra[p.messageId] == nil && !p.files.isEmpty {
            extra[p.messageId] = p
        }
        self.extra = extra
        extraOrder = extraPatches.map(\.messageId).filter { extra[$0] != nil }
    }

    /// The indexed diff of a message (or reconstructed patch), if it has one.
    public func patch(_ messageId: String) -> PatchText? {
        var cache = Cache()
        return patch(messageId, &cache)
    }

    /// The message with this Message-ID.
    public func message(_ messageId: String) -> Message? { byId[messageId].map { messages[$0] } }

    /// Re-attaches every note.
    public func reattach(_ notes: [Note]) -> Reattachment {
        var cache = Cache()
        var out: [Note] = []
        var status: [String: AttachmentStatus] = [:]
        for note in notes {
            let (anchor, s) = reattach(note.anchor, &cache)
            var n = note
            n.anchor = anchor
            out.append(n)
            status[note.id] = s
        }
        return Reattachment(notes: out, status: status)
    }

    /// Re-attaches one anchor. - Returns: the anchor to use and how it was found.
    public func reattach(_ anchor: NoteAnchor) -> (NoteAnchor, AttachmentStatus) {
        var cache = Cache()
        return reattach(anchor, &cache)
    }

    /// Diffs indexed so far during one re-attachment (nil: the message has no diff).
    struct Cache {
        var patches: [String: PatchText?] = [:]
    }

    private func patch(_ id: String, _ cache: inout Cache) -> PatchText? {
        if let known = cache.patches[id] { return known }
        var p: PatchText?
        if let i = byId[id] {
            let text = PatchText(message: messages[i])
            p = text.files.isEmpty ? nil : text
        } else {
            p = extra[id]
        }
        cache.patches[id] = .some(p)
        return p
    }

    private func reattach(_ anchor: NoteAnchor, _ cache: inout Cache) -> (NoteAnchor, AttachmentStatus) {
        switch anchor {
        case .series:
            return (anchor, .exact)
        case .patch(let id):
            return (anchor, byId[id] != nil || extra[id] != nil ? .exact : .orphaned(reason: "message <\(id)> is not in the input"))
        case .line(let l):
            return reattachLine(l, &cache)
        case .hunk(let h):
            return reattachHunk(h, &cache)
        case .comment(let c):
            return reattachComment(c)
        }
    }

    /// Patches to search for an anchor: its own message first, then every other patch with the path.
    private func candidates(messageId: String, path: String, _ cache: inout Cache) -> [PatchText] {
        var list: [PatchText] = []
        if let own = patch(messageId, &cache) { list.append(own) }
        for id in messages.map(\.messageId) + extraOrder where id != messageId {
            if let p = patch(id, &cache), p.file(path) != nil, !list.contains(where: { $0.messageId == id }) { list.append(p) }
        }
        return list
    }

    private func reattachLine(_ l: LineAnchor, _ cache: inout Cache) -> (NoteAnchor, AttachmentStatus) {
        let here = describe(l)
        // 1. same place, same context
        if let own = patch(l.messageId, &cache),
           let a = own.lineAnchor(path: l.path, side: l.side, line: l.line), a.fingerprint == l.fingerprint {
            return (.line(a), .exact)
        }
        let list = candidates(messageId: l.messageId, path: l.path, &cache)
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

    private func reattachHunk(_ h: HunkAnchor, _ cache: inout Cache) -> (NoteAnchor, AttachmentStatus) {
        let here = "<\(h.messageId)> \(h.path) hunk \(h.index + 1)"
        if let own = patch(h.messageId, &cache), let a = own.hunkAnchor(path: h.path, index: h.index), a.fingerprint == h.fingerprint {
            return (.hunk(a), .exact)
        }
        for p in candidates(messageId: h.messageId, path: h.path, &cache) {
            guard let f = p.file(h.path) else { continue }
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
