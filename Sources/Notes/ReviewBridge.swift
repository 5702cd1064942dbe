import Foundation
import MailCore
import ReviewCore

// Anchors from the review model, for the TUI: a note taken on a line, hunk or comment the
// reviewer is looking at gets the same anchor (and fingerprint) that `PatchText` computes from
// the mail, so sessions stay interchangeable between the two.

extension DiffSide {
    /// The side a diff line is numbered on by default: removed lines on the old side, every other
    /// line on the new side.
    public init(defaultFor line: DiffLine) {
        self = line.kind == .removed ? .old : .new
    }

    /// The review model's `Side` with the same meaning.
    public init(_ side: Side) {
        self = side == .old ? .old : .new
    }
}

extension LineAnchor {
    /// The anchor of one line of a parsed patch.
    /// - Parameters:
    ///   - patch: the patch (its Message-ID keys the anchor).
    ///   - file: the file holding the hunk.
    ///   - hunk: the hunk holding the line.
    ///   - line: the line itself (must be one of `hunk.lines`).
    ///   - side: the side to number on; by default old for removed lines, new otherwise.
    /// - Returns: nil when the line is not in the hunk or has no number on that side.
    public init?(patch: Patch, file: FileDiff, hunk: Hunk, line: DiffLine, side: DiffSide? = nil) {
        guard let index = hunk.lines.firstIndex(of: line) else { return nil }
        let s = side ?? DiffSide(defaultFor: line)
        guard let number = s == .new ? line.newLine : line.oldLine else { return nil }
        self.init(messageId: patch.messageId, path: file.path, side: s, line: number,
                  fingerprint: LineFingerprint(hunkLines: hunk.lines.map(\.diffText), at: index))
    }
}

extension HunkAnchor {
    /// The anchor of one hunk of a parsed patch.
    public init(patch: Patch, file: FileDiff, hunk: Hunk) {
        self.init(messageId: patch.messageId, path: file.path, index: hunk.index, oldStart: hunk.oldStart,
                  newStart: hunk.newStart,
                  fingerprint: TextFingerprint(text: hunk.lines.map(\.diffText).joined(separator: "\n")))
    }
}

extension CommentAnchor {
    /// The anchor of a reviewer's comment (its message and ordinal, fingerprinted by its text).
    public init(comment: Comment) {
        self.init(messageId: comment.messageId, index: comment.ordinal, text: comment.text)
    }
}

extension NoteAnchor {
    /// A note anchor at the place a review-model anchor points to: a line anchor (with its
    /// fingerprint) when the line exists in the review, else the patch, else the series.
    public init(_ anchor: Anchor, in review: Review) {
        switch anchor {
        case .line(let patchId, let path, let side, let number):
            if let patch = review.patch(id: patchId), let file = patch.file(path) {
                let s = DiffSide(side)
                for hunk in file.hunks {
                    if let line = hunk.lines.first(where: { (s == .new ? $0.newLine : $0.oldLine) == number }),
                       let a = LineAnchor(patch: patch, file: file, hunk: hunk, line: line, side: s) {
                        self = .line(a)
                        return
                    }
                }
            }
            self = .patch(messageId: patchId)
        case .commitMessage(let patchId, _):
            self = .patch(messageId: patchId)
        case .general(let patchId):
            self = patchId.map { .patch(messageId: $0) } ?? .series
        }
    }
}

extension Session {
    /// The notes on one diff line (either side), in creation order: what the TUI draws under it.
    public func notes(patch: String, path: String, line: DiffLine) -> [Note] {
        notes.filter { n in
            guard case .line(let a) = n.anchor, a.messageId == patch, a.path == path else { return false }
            return a.line == (a.side == .new ? line.newLine : line.oldLine)
        }
    }

    /// The notes on one hunk (by its index in the file).
    public func notes(patch: String, path: String, hunk: Int) -> [Note] {
        notes.filter { n in
            guard case .hunk(let a) = n.anchor else { return false }
            return a.messageId == patch && a.path == path && a.index == hunk
        }
    }

    /// The notes on one reviewer comment.
    public func notes(on comment: Comment) -> [Note] {
        notes.filter { n in
            guard case .comment(let a) = n.anchor else { return false }
            return a.messageId == comment.messageId && a.index == comment.ordinal
        }
    }
}

extension PatchText {
    /// The diff of a parsed patch as `PatchText` (files, hunks and lines rendered back to diff text).
    public init(patch: Patch) {
        var body: [String] = []
        for file in patch.files {
            body.append("diff --git a/\(file.oldPath ?? file.path) b/\(file.path)")
            body.append("--- a/\(file.path)")
            body.append("+++ b/\(file.path)")
            for hunk in file.hunks {
                body.append(hunk.header)
                body += hunk.lines.map(\.diffText)
            }
        }
        self.init(messageId: patch.messageId, body: body.joined(separator: "\n") + "\n")
    }

    /// The patches of a review that are not mails of the input: those reconstructed from quotes.
    public static func reconstructed(in review: Review) -> [PatchText] {
        review.patches.filter(\.partial).map { PatchText(patch: $0) }
    }
}

extension InputIdentity {
    /// The identity of a review: its messages, the first series' subject and cover letter.
    public init(source: String, messages: [Message], review: Review) {
        let cover = review.covers.first
        let first = review.patches.first
        self.init(source: source, messageIds: messages.map(\.messageId),
                  seriesSubject: cover?.subject ?? first?.subject ?? messages.first?.subject ?? "",
                  coverMessageId: cover?.messageId ?? SeriesInfo.cover(in: messages)?.messageId)
    }
}
