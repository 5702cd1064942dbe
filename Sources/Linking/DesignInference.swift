import Foundation
import ReviewCore
import UffdModel

/// Which design preset the patches of an input implement, told from the `vm_uffd_ops` members
/// their added lines declare or use.
///
/// The members of each preset are read from the header the model writes for it (the kernel-doc
/// `@member:` lines of `struct vm_uffd_ops` and the hook added to `vm_operations_struct`), so
/// the table follows the model. A member counts only when no other preset has it: `uffd_copy`
/// says P2, `supported_ioctls` or `minor_get_folio` say P4, `get_uffd_ops` says L1 and
/// `get_folio_noalloc` or `filemap_add` say M. The newest posting that names any of them decides.
public enum DesignInference {
    /// A preset found in the input, with what gave it away.
    public struct Guess: Sendable, Equatable {
        public var preset: Preset
        /// The preset's own members found in the posting's added lines, sorted.
        public var members: [String]
        /// The series name and version of the posting.
        public var series: String
        public var version: Int
        /// Who posted it.
        public var author: String

        /// `P4 from the v4 patches by Peter Xu (minor_get_folio, supported_ioctls)`.
        public var summary: String {
            "\(preset.rawValue) from the v\(version) patches" + (author.isEmpty ? "" : " by \(author)")
                + " (\(members.joined(separator: ", ")))"
        }
    }

    /// The members only one preset has, for every preset with ops.
    public static let distinctiveMembers: [Preset: Set<String>] = {
        var all: [Preset: Set<String>] = [:]
        // Mainline (D0) has no ops: its header only describes what is hard-coded.
        for p in Preset.allCases where p != .D0 {
            all[p] = members(ofHeader: HeaderRenderer.render(Design(preset: p)))
        }
        var out: [Preset: Set<String>] = [:]
        for (p, names) in all {
            let others = all.filter { $0.key != p }.values.reduce(into: Set<String>()) { $0.formUnion($1) }
            out[p] = names.subtracting(others)
        }
        return out
    }()

    /// The members a header declares: `@name:` kernel-doc lines and the `vm_operations_struct` hook.
    static func members(ofHeader header: String) -> Set<String> {
        var names = Set<String>()
        var inOperations = false
        for raw in header.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("* @"), let colon = line.firstIndex(of: ":") {
                names.insert(String(line[line.index(line.startIndex, offsetBy: 3)..<colon]))
                continue
            }
            if line.hasPrefix("struct vm_operations_struct") { inOperations = true; continue }
            guard inOperations else { continue }
            if line.hasPrefix("};") { inOperations = false; continue }
            if line.hasPrefix("/*") || line.hasPrefix("#") { continue }
            // `const struct vm_uffd_ops *userfaultfd_ops;` or `... (*get_uffd_ops)(...);`
            if let open = line.range(of: "(*"), let close = line[open.upperBound...].firstIndex(of: ")") {
                names.insert(String(line[open.upperBound..<close]))
            } else if line.hasSuffix(";"), let star = line.lastIndex(of: "*") {
                names.insert(String(line[line.index(after: star)...].dropLast()))
            }
        }
        return names
    }

    /// The preset of the newest posting (series version) whose added lines name members of one
    /// preset only; nil when no posting names any, or two presets tie.
    public static func guess(_ review: Review) -> Guess? {
        var postings: [(date: Date, order: Int, series: String, version: SeriesVersion)] = []
        for s in review.series {
            for v in s.versions {
                let date = v.patches.compactMap(\.date).max() ?? .distantPast
                postings.append((date, postings.count, s.name, v))
            }
        }
        postings.sort { ($0.date, $0.order) > ($1.date, $1.order) }
        for posting in postings {
            let found = members(addedIn: posting.version.patches)
            var hits: [(Preset, [String])] = []
            for p in Preset.allCases {
                let mine = (distinctiveMembers[p] ?? []).intersection(found)
                if !mine.isEmpty { hits.append((p, mine.sorted())) }
            }
            hits.sort { $0.1.count > $1.1.count }
            guard let best = hits.first else { continue }
            if hits.count > 1, hits[1].1.count == best.1.count { return nil }
            let from = posting.version.patches.first?.author
            let author = from.map { $0.name.isEmpty ? $0.email : $0.name } ?? ""
            return Guess(preset: best.0, members: best.1, series: posting.series, version: posting.version.version,
                         author: author)
        }
        return nil
    }

    /// The distinctive members named on the added lines of some patches. Identifiers are cut as
    /// the linker cuts them, and only those of a member's length become strings.
    static func members(addedIn patches: [Patch]) -> Set<String> {
        let wanted = allDistinctive
        let lengths = Set(wanted.map(\.utf8.count))
        var out = Set<String>()
        for patch in patches {
            for file in patch.files {
                for hunk in file.hunks {
                    for line in hunk.lines where line.kind == .added {
                        var text = line.text
                        text.withUTF8 { u in
                            var i = 0
                            while i < u.count {
                                guard Linker.isIdentByte(u[i]) else { i += 1; continue }
                                var j = i
                                while j < u.count, Linker.isIdentByte(u[j]) { j += 1 }
                                if lengths.contains(j - i) {
                                    let token = String(decoding: UnsafeBufferPointer(rebasing: u[i..<j]), as: UTF8.self)
                                    if wanted.contains(token) { out.insert(token) }
                                }
                                i = j
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    private static let allDistinctive = distinctiveMembers.values.reduce(into: Set<String>()) { $0.formUnion($1) }
}
