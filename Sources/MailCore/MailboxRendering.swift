import Foundation

/// Text renderings of a `Mailbox` (used by `patchlab parse`): an indented thread tree and JSON.
public enum MailboxRendering {
    /// Control characters (C0, DEL, C1) shown as `\x1b`-style escapes so mail cannot drive the terminal.
    public static func sanitise(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for u in s.unicodeScalars {
            let v = u.value
            if v < 0x20 || v == 0x7F || (0x80...0x9F).contains(v) {
                out += "\\x" + (v < 0x10 ? "0" : "") + String(v, radix: 16)
            } else {
                out.unicodeScalars.append(u)
            }
        }
        return out
    }

    /// `YYYY-MM-DD HH:MM` in UTC, or question marks for an unknown date.
    public static func utcMinute(_ d: Date?) -> String {
        guard let d, let c = DateParser.civil(d) else { return "????-??-?? ??:??" }
        return "\(pad(c.year, 4))-\(pad(c.month, 2))-\(pad(c.day, 2)) \(pad(c.hour, 2)):\(pad(c.minute, 2))"
    }

    /// ISO 8601 UTC (`2025-06-30T11:17:33Z`), nil for an unknown date.
    public static func iso(_ d: Date?) -> String? {
        guard let d, let c = DateParser.civil(d) else { return nil }
        return "\(pad(c.year, 4))-\(pad(c.month, 2))-\(pad(c.day, 2))T\(pad(c.hour, 2)):\(pad(c.minute, 2)):\(pad(c.second, 2))Z"
    }

    private static func pad(_ v: Int, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    /// Threads as an indented tree (date, author, subject, defect count), then a totals line.
    public static func human(_ box: Mailbox) -> String {
        var out = ""
        func line(_ node: ThreadNode, depth: Int) {
            let indent = String(repeating: "  ", count: depth)
            if let i = node.messageIndex {
                let m = box.messages[i]
                let author = m.from.name.isEmpty ? m.from.email : m.from.name
                let defects = m.defects.isEmpty ? "" : "  [\(m.defects.count) defect\(m.defects.count == 1 ? "" : "s")]"
                out += sanitise("\(indent)\(utcMinute(m.date))  \(author)  \(m.subject)") + defects + "\n"
            } else {
                out += sanitise("\(indent)(missing) <\(node.messageId)>") + "\n"
            }
            for c in node.children { line(c, depth: depth + 1) }
        }
        for t in box.threads { line(t, depth: 0) }
        let messageDefects = box.messages.reduce(0) { $0 + $1.defects.count }
        out += "\(box.messages.count) message\(box.messages.count == 1 ? "" : "s"), \(box.threads.count) thread\(box.threads.count == 1 ? "" : "s"), "
            + "\(messageDefects + box.defects.count) defect\(messageDefects + box.defects.count == 1 ? "" : "s"), format \(box.format.rawValue)\n"
        return out
    }

    /// `{format, messages: [{messageId, subject, from, date, inReplyTo, references, defects}], threads, defects}`.
    public static func json(_ box: Mailbox) -> String {
        func defects(_ list: [Defect]) -> [[String: Any]] {
            list.map { ["kind": $0.kind.rawValue, "offset": $0.offset, "detail": $0.detail] }
        }
        let messages: [[String: Any]] = box.messages.map { m in
            [
                "messageId": m.messageId,
                "subject": m.subject,
                "from": ["name": m.from.name, "email": m.from.email],
                "date": iso(m.date) ?? NSNull(),
                "inReplyTo": m.inReplyTo ?? NSNull(),
                "references": m.references,
                "defects": defects(m.defects),
            ]
        }
        func thread(_ n: ThreadNode) -> [String: Any] {
            ["messageId": n.messageId, "children": n.children.map(thread)]
        }
        let object: [String: Any] = [
            "format": box.format.rawValue,
            "messages": messages,
            "threads": box.threads.map(thread),
            "defects": defects(box.defects),
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
