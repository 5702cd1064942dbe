import ArgumentParser
import Foundation
import MailCore
import ReviewCore

/// `patchlab comments FILE|- [--json]`: per patch, each quoted line with the comments under it.
struct CommentsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "comments",
        abstract: "Show every reviewer comment under the patch line it answers (or as JSON).")

    @Argument(help: "An mbox, message, Maildir directory, .gz file, archive text, or - for stdin.")
    var file: String

    @Flag(name: .long, help: "Print patches and anchored comments as JSON.")
    var json = false

    func run() throws {
        try CommandInput.run {
            let box = try CommandInput.mailbox(file, requireMessages: true)
            let review = Review(mailbox: box)
            let text = json ? CommentsOutput.json(review) : CommentsOutput.human(review)
            FileHandle.standardOutput.write(Data(text.utf8))
        }
    }
}

/// Rendering of a `Review` for the `comments` command.
enum CommentsOutput {
    /// Untrusted text for the terminal (`TerminalSafety`); tabs in comment text become 4 spaces.
    static func sanitise(_ s: String, keepTabs: Bool = false) -> String {
        TerminalSafety.escaped(s, tabWidth: keepTabs ? 4 : nil)
    }

    static func iso(_ d: Date?) -> String? { MailboxRendering.iso(d) }

    static func who(_ a: Address) -> String { a.name.isEmpty ? a.email : a.name }

    /// A comment block: header line and the text indented.
    static func commentBlock(_ c: Comment, indent: String) -> String {
        var out = indent + "| " + sanitise(who(c.author)) + ", " + (iso(c.date) ?? "undated") + "\n"
        for line in c.text.split(separator: "\n", omittingEmptySubsequences: false) {
            out += indent + "|   " + sanitise(String(line), keepTabs: true) + "\n"
        }
        return out
    }

    static func human(_ review: Review) -> String {
        var out = ""
        var shown: Set<String> = []
        var byPatch: [String: [Comment]] = [:]
        for c in review.comments { if let p = c.anchor.patch { byPatch[p, default: []].append(c) } }
        func title(_ subject: PatchSubject, version: Int, index: Int?, total: Int?, partial: Bool) -> String {
            var t = "v\(version)"
            if let i = index { t += " \(i)/\(total.map(String.init) ?? "?")" }
            t += "  " + subject.name
            if partial { t += "  [partial: rebuilt from quotes]" }
            return sanitise(t)
        }
        for series in review.series {
            out += "== " + sanitise(series.name) + "\n"
            for version in series.versions {
                if let cover = version.cover {
                    let mine = byPatch[cover.messageId] ?? []
                    out += "\n" + title(cover.parsedSubject, version: version.version, index: 0, total: version.total,
                                        partial: false) + "  (cover letter)\n"
                    out += paragraphComments(mine, text: cover.text, shown: &shown)
                }
                for patch in version.patches {
                    out += "\n" + title(patch.parsedSubject, version: patch.version, index: patch.index,
                                        total: patch.total, partial: patch.partial) + "\n"
                    out += "   " + sanitise(who(patch.author)) + (iso(patch.date).map { ", " + $0 } ?? "") + "\n"
                    for t in patch.trailers where t.collected {
                        out += "   + " + sanitise(t.line) + "  (given in a reply)\n"
                    }
                    let mine = byPatch[patch.messageId] ?? []
                    out += paragraphComments(mine, text: patch.commitMessage, shown: &shown)
                    for file in patch.files {
                        let onFile = mine.filter {
                            if case .line(_, let f, _, _) = $0.anchor { return f == file.path }
                            return false
                        }
                        guard !onFile.isEmpty else { continue }
                        out += "  --- " + sanitise(file.path) + "\n"
                        for hunk in file.hunks {
                            let onHunk = onFile.filter { $0.hunk == hunk.index }
                            guard !onHunk.isEmpty else { continue }
                            out += "  " + sanitise(hunk.header) + "\n"
                            for line in hunk.lines {
                                let here = onHunk.filter { c in
                                    guard case .line(_, _, let side, let n) = c.anchor else { return false }
                                    return side == .new ? (line.kind != .removed && line.newLine == n)
                                        : (line.kind == .removed && line.oldLine == n)
                                }
                                guard !here.isEmpty else { continue }
                                let n = line.kind == .removed ? line.oldLine : line.newLine
                                out += "  \(file.path):\(n.map(String.init) ?? "?")  " + sanitise(line.diffText, keepTabs: true) + "\n"
                                for c in here {
                                    out += commentBlock(c, indent: "    ")
                                    shown.insert(c.id)
                                }
                            }
                        }
                    }
                    let general = mine.filter { !shown.contains($0.id) }
                    if !general.isEmpty {
                        out += "  (general)\n"
                        for c in general {
                            out += commentBlock(c, indent: "    ")
                            shown.insert(c.id)
                        }
                    }
                }
            }
            out += "\n"
        }
        let rest = review.comments.filter { !shown.contains($0.id) }
        if !rest.isEmpty {
            out += "== comments on no patch in this input\n"
            for c in rest { out += commentBlock(c, indent: "    ") }
        }
        let lineCount = review.comments.count { if case .line = $0.anchor { true } else { false } }
        let patches = review.patches.count, comments = review.comments.count
        out += "\(patches) patch\(patches == 1 ? "" : "es"), \(comments) comment\(comments == 1 ? "" : "s") (\(lineCount) on lines)\n"
        return out
    }

    /// Commit-message (or cover) comments, each under the last line of the paragraph it answers.
    static func paragraphComments(_ comments: [Comment], text: String, shown: inout Set<String>) -> String {
        var out = ""
        let paragraphs = text.components(separatedBy: "\n\n")
        var byParagraph: [Int: [Comment]] = [:]
        for c in comments {
            if case .commitMessage(_, let p) = c.anchor { byParagraph[p, default: []].append(c) }
        }
        for p in byParagraph.keys.sorted() {
            let para = p < paragraphs.count ? paragraphs[p] : ""
            let last = para.split(separator: "\n").last.map(String.init) ?? ""
            out += "  message ¶\(p + 1): " + sanitise(last, keepTabs: true) + "\n"
            for c in byParagraph[p] ?? [] {
                out += commentBlock(c, indent: "    ")
                shown.insert(c.id)
            }
        }
        return out
    }

    static func json(_ review: Review) -> String {
        var subjects: [String: String] = [:]
        for p in review.patches { subjects[p.messageId] = p.subject }
        for c in review.covers { subjects[c.messageId] = c.subject }
        let patches: [[String: Any]] = review.patches.map { p in
            [
                "messageId": p.messageId,
                "subject": p.subject,
                "version": p.version,
                "index": p.index as Any? ?? NSNull(),
                "total": p.total as Any? ?? NSNull(),
                "partial": p.partial,
                "author": who(p.author),
                "trailers": p.trailers.map(\.line),
                "files": p.files.map { f in
                    [
                        "path": f.path,
                        "change": f.change.rawValue,
                        "binary": f.isBinary,
                        "hunks": f.hunks.map { h in
                            ["oldStart": h.oldStart, "oldCount": h.oldCount, "newStart": h.newStart,
                             "newCount": h.newCount, "section": h.section] as [String: Any]
                        },
                    ] as [String: Any]
                },
            ]
        }
        let comments: [[String: Any]] = review.comments.map { c in
            var anchor: [String: Any] = ["kind": c.anchor.kind]
            if let p = c.anchor.patch { anchor["patch"] = subjects[p] ?? p; anchor["messageId"] = p }
            switch c.anchor {
            case .line(_, let f, let side, let n):
                anchor["file"] = f
                anchor["side"] = side.rawValue
                anchor["line"] = n
            case .commitMessage(_, let para):
                anchor["paragraph"] = para
            case .general:
                break
            }
            return [
                "messageId": c.messageId,
                "author": who(c.author),
                "email": c.author.email,
                "date": iso(c.date) as Any? ?? NSNull(),
                "text": c.text,
                "quotedAuthor": c.quotedAuthor as Any? ?? NSNull(),
                "replyTo": c.replyTo as Any? ?? NSNull(),
                "trailers": c.trailers.map(\.line),
                "anchor": anchor,
            ]
        }
        let root: [String: Any] = [
            "series": review.series.map { s in
                ["id": s.id, "name": s.name, "versions": s.versions.map { v in
                    ["version": v.version, "cover": v.cover?.messageId as Any? ?? NSNull(),
                     "patches": v.patches.map(\.messageId), "missing": v.missing] as [String: Any]
                }] as [String: Any]
            },
            "patches": patches,
            "comments": comments,
        ]
        guard let data = try? JSONSerialization.data(withJSONObject: root, options: [.prettyPrinted, .sortedKeys]) else {
            return "{}\n"
        }
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
