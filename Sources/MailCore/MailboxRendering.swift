import Foundation

/// Text renderings of a `Mailbox` (used by `patchlab parse`): an indented thread tree and JSON.
public enum MailboxRendering {
    /// Untrusted text made safe for a terminal: control characters, escape sequences, bidi
    /// overrides and other format characters shown as visible escapes (`TerminalSafety`).
    public static func sanitise(_ s: String) -> String { TerminalSafety.escaped(s) }

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
            // Indented up to 32 levels; deeper lines say their depth instead of indenting more.
            let indent = String(repeating: "  ", count: min(depth, 32)) + (depth > 32 ? "[\(depth)] " : "")
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

/// What untrusted mail text may not send to a terminal, and how it is shown instead. The one
/// classification used by the CLI output and by the TUI's `Sanitizer`.
public enum TerminalSafety {
    /// Whether a scalar must be shown escaped rather than passed to the terminal: C0, DEL, C1,
    /// bidi embeddings/overrides/isolates and marks, line/paragraph separators, interlinear
    /// annotations, tag characters and other format (Cf) characters except ZWJ, ZWNJ, soft
    /// hyphen and BOM.
    public static func isHostile(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if v < 0x20 || v == 0x7F || (0x80...0x9F).contains(v) { return true }
        if (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v) { return true }
        if v == 0x200E || v == 0x200F || v == 0x061C { return true }
        if v == 0xFFF9 || v == 0xFFFA || v == 0xFFFB || v == 0xFFFC { return true }
        if (0xE0000...0xE007F).contains(v) { return true }
        if v == 0x2028 || v == 0x2029 { return true }
        // Format characters (Cf) live only in these blocks; skip the property lookup elsewhere.
        let mayBeFormat = (0x600...0x6FF).contains(v) || v == 0x70F || (0x890...0x8FF).contains(v) || v == 0x180E
            || (0x2000...0x206F).contains(v) || (0xFE00...0xFEFF).contains(v) || (0xFFF0...0xFFFF).contains(v)
            || (0x110BD...0x110CD).contains(v) || (0x13430...0x1345F).contains(v) || (0x1BCA0...0x1BCA3).contains(v)
            || (0x1D173...0x1D17A).contains(v) || (0xE0000...0xE0FFF).contains(v)
        if mayBeFormat && s.properties.generalCategory == .format {
            return !(v == 0x200D || v == 0x200C || v == 0x00AD || v == 0xFEFF)
        }
        return false
    }

    /// The visible escape for a hostile scalar: `\x1b` for C0/C1/DEL, `\u202e` above.
    public static func escape(_ s: Unicode.Scalar) -> String {
        let hex = String(s.value, radix: 16)
        if s.value <= 0xFF { return "\\x" + (hex.count < 2 ? "0" + hex : hex) }
        return "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }

    /// `s` with every hostile scalar escaped; with `tabWidth`, tabs become that many spaces
    /// instead (for indented CLI output).
    public static func escaped(_ s: String, tabWidth: Int? = nil) -> String {
        var clean = true
        for b in s.utf8 where b < 0x20 || b >= 0x7F { clean = false; break }
        if clean { return s }
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for u in s.unicodeScalars {
            if u.value == 9, let tabWidth {
                out += String(repeating: " ", count: tabWidth)
            } else if isHostile(u) {
                out += escape(u)
            } else {
                out.unicodeScalars.append(u)
            }
        }
        return out
    }
}
