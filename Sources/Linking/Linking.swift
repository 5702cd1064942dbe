/// Linking: connects hunks, lines and comments to model elements (knobs, fields, handlers,
/// scenarios, locks), each link with the reason it exists. Pure; the rule table is data
/// (`Resources/link-rules.tsv`).
import Foundation

/// What a link points at in the model.
public struct LinkTarget: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    /// The closed set of model element kinds.
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
        case knob, field, handler, scenario, lock
        public static func < (a: Kind, b: Kind) -> Bool {
            Kind.allCases.firstIndex(of: a) ?? 0 < Kind.allCases.firstIndex(of: b) ?? 0
        }
    }
    public var kind: Kind
    /// The element's identifier in the model, e.g. `ops_lookup`, `S6`, `mmap_lock`.
    public var id: String

    public init(kind: Kind, id: String) {
        self.kind = kind
        self.id = id
    }

    /// Parses `kind:id`, e.g. `knob:ops_lookup`; nil when the kind is unknown or the id empty.
    public init?(parsing text: String) {
        guard let colon = text.firstIndex(of: ":"),
              let kind = Kind(rawValue: String(text[..<colon])) else { return nil }
        let id = String(text[text.index(after: colon)...])
        guard !id.isEmpty else { return nil }
        self.init(kind: kind, id: id)
    }

    /// The badge text shown in the TUI: `[S6]` for scenarios, `[knob:ops_lookup]` otherwise.
    public var badge: String { kind == .scenario ? "[\(id)]" : "[\(kind.rawValue):\(id)]" }
    public var description: String { "\(kind.rawValue):\(id)" }

    public static func < (a: LinkTarget, b: LinkTarget) -> Bool {
        a.kind != b.kind ? a.kind < b.kind : a.id < b.id
    }
}

/// Why a link exists.
public enum LinkOrigin: String, Sendable, Hashable, Codable {
    /// An identifier in the text matched a rule.
    case identifier
    /// A phrase in the text matched a rule.
    case phrase
    /// The reviewer made it by hand.
    case manual
}

/// One link from a piece of review text to a model element, with the reason it exists.
public struct Link: Sendable, Hashable, Codable {
    public var target: LinkTarget
    public var origin: LinkOrigin
    /// The text that matched (identifier or phrase), or the reviewer's word for manual links.
    public var matched: String
    /// The reason from the rule table (or the reviewer).
    public var reason: String

    public init(target: LinkTarget, origin: LinkOrigin, matched: String, reason: String) {
        self.target = target
        self.origin = origin
        self.matched = matched
        self.reason = reason
    }

    /// `uffd_ioctls → knob:capabilities (rule: …)`, the one-line explanation shown to the user.
    public var explanation: String {
        switch origin {
        case .identifier: return "identifier `\(matched)` → \(target): \(reason)"
        case .phrase: return "phrase \"\(matched)\" → \(target): \(reason)"
        case .manual: return "manual link → \(target): \(reason)"
        }
    }
}

/// One row of the rule table: a pattern, what it links to, and why.
public struct LinkRule: Sendable, Hashable {
    /// Identifiers match whole C identifiers (case-sensitive); phrases match case-insensitively
    /// on word boundaries.
    public enum Match: String, Sendable, Hashable { case identifier, phrase }
    public var match: Match
    public var pattern: String
    public var target: LinkTarget
    public var reason: String
    public init(match: Match, pattern: String, target: LinkTarget, reason: String) {
        self.match = match
        self.pattern = pattern
        self.target = target
        self.reason = reason
    }
}

/// A problem in the rule table, with its line number.
public struct RuleTableDefect: Sendable, Hashable, CustomStringConvertible {
    public var line: Int
    public var detail: String
    public var description: String { "link-rules.tsv:\(line): \(detail)" }
}

/// The rule table: identifiers and phrases mapped to model elements.
public struct RuleTable: Sendable, Equatable {
    public var rules: [LinkRule]
    /// Rows that could not be used (recorded, not fatal).
    public var defects: [RuleTableDefect]

    public init(rules: [LinkRule], defects: [RuleTableDefect] = []) {
        self.rules = rules
        self.defects = defects
    }

    /// Parses the TSV form: `identifier|phrase <TAB> pattern <TAB> kind:id <TAB> reason`;
    /// `#` starts a comment line, blank lines are skipped.
    public init(tsv: String) {
        var rules: [LinkRule] = []
        var defects: [RuleTableDefect] = []
        for (n, raw) in tsv.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let f = raw.split(separator: "\t", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            guard f.count >= 4 else {
                defects.append(RuleTableDefect(line: n + 1, detail: "expected 4 tab-separated fields, found \(f.count)"))
                continue
            }
            guard let match = LinkRule.Match(rawValue: f[0]) else {
                defects.append(RuleTableDefect(line: n + 1, detail: "unknown match kind '\(f[0])'"))
                continue
            }
            guard let target = LinkTarget(parsing: f[2]) else {
                defects.append(RuleTableDefect(line: n + 1, detail: "unknown target '\(f[2])'"))
                continue
            }
            guard !f[1].isEmpty else {
                defects.append(RuleTableDefect(line: n + 1, detail: "empty pattern"))
                continue
            }
            rules.append(LinkRule(match: match, pattern: f[1], target: target, reason: f[3]))
        }
        self.init(rules: rules, defects: defects)
    }

    /// The table shipped with patchlab (`Resources/link-rules.tsv`), or an empty table with a
    /// defect when the resource cannot be read.
    public static let standard: RuleTable = {
        guard let url = Bundle.module.url(forResource: "link-rules", withExtension: "tsv"),
              let data = try? Data(contentsOf: url) else {
            return RuleTable(rules: [], defects: [RuleTableDefect(line: 0, detail: "resource link-rules.tsv not found")])
        }
        return RuleTable(tsv: String(decoding: data, as: UTF8.self))
    }()

    /// Every distinct target the table can produce.
    public var targets: Set<LinkTarget> { Set(rules.map(\.target)) }
}

/// Finds links in text using a rule table. Identifier lookup is a hash probe per identifier
/// token; phrases are matched on the lower-cased text.
public struct Linker: Sendable {
    public let table: RuleTable
    private let byIdentifier: [String: [LinkRule]]
    private let phrases: [(needle: [UInt8], rule: LinkRule)]
    private let firstBytes: Set<UInt8>
    private let minLength: Int
    private let maxLength: Int

    public init(table: RuleTable = .standard) {
        self.table = table
        var ids: [String: [LinkRule]] = [:]
        var ph: [(needle: [UInt8], rule: LinkRule)] = []
        for r in table.rules {
            switch r.match {
            case .identifier: ids[r.pattern, default: []].append(r)
            case .phrase: ph.append((Array(r.pattern.lowercased().utf8), r))
            }
        }
        byIdentifier = ids
        phrases = ph
        var first = Set<UInt8>()
        var lo = Int.max, hi = 0
        for key in ids.keys {
            let u = Array(key.utf8).drop { $0 == 0x2D }
            if let f = u.first { first.insert(f) }
            lo = min(lo, u.count)
            hi = max(hi, u.count)
        }
        firstBytes = first
        minLength = lo == Int.max ? 1 : lo
        maxLength = hi
    }

    static func isIdentByte(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F
    }

    /// Links found in one piece of text, de-duplicated by target (first match wins), in the
    /// order the matches appear.
    public func links(in text: String) -> [Link] { links(in: text, phrases: true) }

    /// Links found by identifiers only (`phrases: false`, for code lines) or by both.
    public func links(in text: String, phrases usePhrases: Bool) -> [Link] {
        var found: [Link] = []
        var seen = Set<LinkTarget>()
        let bytes = Array(text.utf8)
        var i = 0
        let n = bytes.count
        while i < n {
            if Self.isIdentByte(bytes[i]) {
                var j = i
                while j < n && Self.isIdentByte(bytes[j]) { j += 1 }
                // Cheap filters before building a String: length and first byte.
                guard j - i >= minLength, j - i <= maxLength, firstBytes.contains(bytes[i]) || (i > 0 && bytes[i - 1] == 0x2D) else {
                    i = j
                    continue
                }
                // `-ENOENT`: allow a leading minus to be part of the pattern.
                let start = (i > 0 && bytes[i - 1] == 0x2D) ? i - 1 : i
                for s in (start == i ? [i] : [start, i]) {
                    let token = String(decoding: bytes[s..<j], as: UTF8.self)
                    if let rules = byIdentifier[token] {
                        for r in rules where !seen.contains(r.target) {
                            seen.insert(r.target)
                            found.append(Link(target: r.target, origin: .identifier, matched: token, reason: r.reason))
                        }
                    }
                }
                i = j
            } else {
                i += 1
            }
        }
        if usePhrases && !phrases.isEmpty {
            let lower = Array(text.lowercased().utf8)
            for (needle, rule) in phrases where !seen.contains(rule.target) {
                if Self.contains(lower, needle) {
                    seen.insert(rule.target)
                    found.append(Link(target: rule.target, origin: .phrase, matched: rule.pattern, reason: rule.reason))
                }
            }
        }
        return found
    }

    private static func contains(_ hay: [UInt8], _ needle: [UInt8]) -> Bool {
        guard let first = needle.first, needle.count <= hay.count else { return false }
        var i = 0
        let last = hay.count - needle.count
        while i <= last {
            if hay[i] == first {
                var k = 1
                while k < needle.count && hay[i + k] == needle[k] { k += 1 }
                if k == needle.count {
                    let before = i == 0 || !isIdentByte(hay[i - 1])
                    let after = i + k == hay.count || !isIdentByte(hay[i + k])
                    if before && after { return true }
                }
            }
            i += 1
        }
        return false
    }
}
