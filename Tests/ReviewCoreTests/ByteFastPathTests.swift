import Foundation
import Testing
@testable import ReviewCore

/// The byte-level fast paths of the review layer give exactly what their Unicode definitions give.
@Suite struct ByteFastPathTests {
    /// Texts with blank, non-ASCII and mixed ends.
    static let texts: [String] = [
        "", " ", "\t", "plain", "  lead", "trail  ", "\t both \t", "a  b", "\u{00A0}nbsp", "nbsp\u{00A0}",
        " \u{2003}em space\u{2003} ", "é", " é ", "e\u{301} ", "  日本語  ", "\r\n", " x\r", "\u{202F}narrow",
        "[PATCH v2 1/3]   spaced   out  ", "Thanks,\t",
    ]

    @Test(arguments: texts) func trimmedWhitespaceIsFoundationTrimming(_ text: String) {
        let expected = text.trimmingCharacters(in: .whitespaces)
        #expect(text.trimmedWhitespace == expected)
        // As a slice of a longer line too (the substring path).
        let line = "x" + text + "y"
        let sub = line.dropFirst().dropLast()
        #expect(sub.trimmedWhitespace == String(sub).trimmingCharacters(in: .whitespaces))
    }

    @Test(arguments: ["", "patch", "PATCH", "RFC PATCH v2", "Ünïcode ÀB", "ß", "İstanbul", "mm/UFFD: Foo", "ΣΑΣ"])
    func lowercasedIsStandardLowercasing(_ text: String) {
        #expect(PatchSubject.lowercased(text) == text.lowercased())
    }

    @Test(arguments: [
        ("a  b", "a b"), ("  a\tb \n c  ", "a b c"), ("already normal", "already normal"), ("", ""), ("   ", ""),
        ("é  à", "é à"), ("x\u{0B}\u{0C}y", "x y"),
    ])
    func normaliseSpaceCollapsesRuns(_ pair: (String, String)) {
        #expect(PatchSubject.normaliseSpace(pair.0) == pair.1)
    }

    @Test(arguments: [
        ("mm: foo (v2)", 2), ("(V12) bar", 12), ("no version", nil), ("(v)", nil), ("(v2", nil), ("(x2) (v3)", 3),
        ("(v99999999999999999999) (v4)", 4), ("café (v5)", 5), ("(v6)\u{301} combining", nil),
    ] as [(String, Int?)])
    func parenthesisedVersion(_ pair: (String, Int?)) {
        #expect(PatchSubject.parenthesisedVersion(pair.0) == pair.1)
    }

    @Test(arguments: [
        ("Re: [PATCH] x", true, false, "x"), ("RE: Fwd: y", true, true, "y"), ("re z", true, false, "z"),
        ("Fw: w", false, true, "w"), ("AW: Antw: q", true, false, "q"), ("Rebase: no", false, false, "Rebase: no"),
        ("Sv:", true, false, ""), ("Svelte: x", false, false, "Svelte: x"),
    ])
    func replyMarkers(_ c: (String, Bool, Bool, String)) {
        let s = PatchSubject(c.0)
        #expect(s.isReply == c.1)
        #expect(s.isForward == c.2)
        #expect(s.name == c.3)
    }

    @Test func signOffCountsCharactersNotBytes() {
        // 40 characters of accented text (more than 40 bytes) is still short enough to be a name.
        let name = String(repeating: "é", count: 40)
        #expect(QuoteParser.isSignOff(name, author: name))
        #expect(!QuoteParser.isSignOff(name + "é", author: name + "é"))
        // 41 ASCII bytes never are.
        let ascii = String(repeating: "a", count: 41)
        #expect(!QuoteParser.isSignOff(ascii, author: ascii))
        #expect(QuoteParser.isSignOff("Thanks, Lorenzo", author: nil))
        #expect(QuoteParser.isSignOff("Cheers,", author: nil))
        #expect(QuoteParser.isSignOff("peter", author: "Peter Xu"))
        #expect(QuoteParser.isSignOff("Ünal", author: "Ünal Öztürk"))
        #expect(!QuoteParser.isSignOff("Thanks, but this breaks the shmem case badly", author: nil))
    }
}

/// The byte lookup of trailer names answers as the dictionary of lower-cased names does.
@Suite struct TrailerNameLookupTests {
    @Test func canonicalNameIsTheDictionaryLookup() {
        var names = Array(TrailerParser.canonical.values)
        names += names.map { $0.uppercased() } + names.map { $0.lowercased() }
        names += ["Signed-off-byx", "Signed-off-b", "Reviewed-By", "X-Foo", "Fixes1", "", "cc", "CC", "Link"]
        for name in names {
            let viaBytes = Array(name.utf8).withUnsafeBufferPointer { TrailerParser.canonicalName($0) }
            #expect(viaBytes == TrailerParser.canonical[name.lowercased()], "\(name)")
        }
    }
}

/// A line's key counts the bytes and scalars of its normalised text, and equal normalised texts
/// (whatever their spacing) have equal keys.
@Suite struct NormKeyTests {
    static let lines: [String] = [
        "", "   ", "\t\r", "plain", "  lead and trail  ", "a\t\tb", "é", " é  ü ", "日本語 テキスト",
        "nb\u{00A0}sp", "\u{00A0}\u{00A0}x\u{00A0}", "e\u{301}", "\u{00C2}\u{00A0}", "x\u{00C2}y", "😀 emoji  😀",
        "static int foo(struct vm_area_struct *vma)", "\t\t\treturn -EINVAL;\r", "\u{0080}\u{00BF}",
        "a\u{7F}b ~{}", "x\u{01}y\u{1F} z", "!", "~", " \u{7F} ", "tab\tinside\u{00A0}\u{00A0}and é!",
    ]

    /// FNV-1a over the normalised text's bytes (0 when it is empty): what every path must give.
    static func reference(_ line: String) -> UInt64 {
        let bytes = Array(DocumentMap.normalise(line).utf8)
        guard !bytes.isEmpty else { return 0 }
        var h: UInt64 = 0xcbf29ce484222325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100000001b3 }
        return h
    }

    @Test(arguments: lines) func hashIsFNVOfTheNormalisedText(_ line: String) {
        #expect(NormKey(line).hash == Self.reference(line))
        // The bounded reading (a limit below the input's length) agrees where the limit covers
        // the whole normalised text.
        let normalBytes = DocumentMap.normalise(line).utf8.count
        var copy = line + "   "
        copy.withUTF8 { u in
            let bounded = NormKey(bytes: u, limit: max(normalBytes, 1))
            #expect(bounded.hash == Self.reference(line))
            #expect(bounded.bytes == normalBytes)
        }
    }

    @Test(arguments: lines) func countsMatchTheNormalisedText(_ line: String) {
        let normal = DocumentMap.normalise(line)
        let key = NormKey(line)
        #expect(key.bytes == normal.utf8.count)
        #expect(key.scalars == normal.unicodeScalars.count)
        #expect(key.isEmpty == normal.isEmpty)
        // Spacing changed, the same key.
        let respaced = "  " + line.replacingOccurrences(of: " ", with: " \t ") + " \r"
        #expect(NormKey(respaced) == key)
        #expect(NormKey(normal) == key)
    }

    @Test(arguments: lines) func prefixKeyIsTheKeyOfTheFirstBytes(_ line: String) {
        let normal = Array(DocumentMap.normalise(line).utf8)
        guard normal.count > DocumentMap.prefixKey else { return }
        let head = String(decoding: normal.prefix(DocumentMap.prefixKey), as: UTF8.self)
        // Only where the cut falls between scalars is the prefix itself a string.
        guard head.utf8.count == DocumentMap.prefixKey else { return }
        #expect(DocumentMap.prefixHash(Substring(line)) == NormKey(head).hash)
    }
}

/// Diffstat lines read on bytes give what the character reading gives.
@Suite struct DiffstatFastPathTests {
    static let lines: [String] = [
        " mm/userfaultfd.c | 12 ++++++------", " include/linux/userfaultfd_k.h  |   3 +++", " a | 0",
        " bin/blob.png | Bin 0 -> 142 bytes", " \tpath with tab\t|\t7 +\t", " ünïcode/päth.c | 4 ++--",
        " x | ", " | 3 +", " y |99999999999999999999999 +", " z | 12é", " w | +++", " v |  ٣ ++",
        " .../deeply/nested/file.c                    | 1024 ++++++++++++++++++++++++++++++++++++++++---",
    ]

    /// The reading before the byte path: slices, blank trimming and the numeric prefix, on characters.
    static func reference(_ line: String) -> DiffstatEntry? {
        let t = Substring(line)
        guard let barOffset = line.utf8.firstIndex(of: UInt8(ascii: "|")) else { return nil }
        let path = t[..<barOffset].trimmedBlanks
        let graph = t[t.index(after: barOffset)...].trimmedBlanks
        return path.isEmpty ? nil : DiffstatEntry(path: path, changes: Int(graph.prefix { $0.isNumber }), graph: graph)
    }

    @Test(arguments: lines) func bytesReadLikeCharacters(_ line: String) {
        let bar = line.utf8.firstIndex(of: UInt8(ascii: "|")).map { line.utf8.distance(from: line.utf8.startIndex, to: $0) }!
        let fast = Array(line.utf8).withUnsafeBufferPointer { PatchMail.diffstatEntry($0, bar: bar) }
        #expect(fast == Self.reference(line), "\(line)")
    }
}

/// `---`/`+++` names cut on bytes with their git prefix give what the string reading gives.
@Suite struct TraditionalNameFastPathTests {
    static let names: [String] = [
        "a/mm/userfaultfd.c", "b/include/linux/userfaultfd_k.h", "/dev/null", "a/file\t2013-01-01 10:00:00",
        "a/file  2013-01-01", "  a/spaced  ", "i/index", "w/worktree", "c/commit", "o/object", "x/other", "a/", "a",
        "b", "", "mm/no-prefix.c", "a/with space/in name.c", "\"a/quoted\"", "a/ünïcode.c", "/abs/path", "a//double",
    ]

    @Test(arguments: names) func bytesCutLikeTheStringReading(_ name: String) {
        let fast = Array(name.utf8).withUnsafeBufferPointer { DiffParser.asciiTraditionalName($0, strippingGitPrefix: true) }
        let reference = DiffParser.traditionalName(Substring(name)).map(DiffParser.stripGitPrefix)
        if let fast {
            #expect(fast == reference, "\(name)")
        } else {
            // Quoted or not ASCII: left to the string reading.
            #expect(name.hasPrefix("\"") || name.utf8.contains { $0 >= 0x80 })
        }
    }
}

/// Trailer lines cut on bytes give what the string reading gives.
@Suite struct TrailerFastPathTests {
    static let lines: [String] = [
        "Reviewed-by: Peter Xu <peterx@redhat.com>", "  Acked-by:\tDavid Hildenbrand <david@redhat.com>  ",
        "Signed-off-by: Mike Rapoport (Microsoft) <rppt@kernel.org>", "Fixes: 1234567890ab (\"mm: x\")",
        "Link: https://lore.kernel.org/r/x", "Foo-by: someone", "Foo: bar", "Cc: <stable@vger.kernel.org> # 6.1",
        "Tested-by: ", "Tested-by:  \t ", "Reviewed-by: Jörg Rödel <joro@8bytes.org>", "Reviewed-by: \u{00A0}Name\u{00A0}",
        "Acked-by: Name <a@b>\r", "X-Custom-Tag: value", "reviewed-BY: lower case <x@y>", "1Bad: x", "Bad:x",
    ]

    /// The reading before the byte path (name and value as string slices, Foundation trimming).
    static func reference(_ line: String) -> Trailer? {
        let l = Substring(line)
        let u = Array(line.utf8)
        var i = 0
        while i < u.count, u[i] == 0x20 || u[i] == 0x09 { i += 1 }
        let start = i
        guard i < u.count, (u[i] | 0x20) >= 0x61, (u[i] | 0x20) <= 0x7A else { return nil }
        while i < u.count, i - start <= 40, ((u[i] | 0x20) >= 0x61 && (u[i] | 0x20) <= 0x7A) || (u[i] >= 0x30 && u[i] <= 0x39) || u[i] == 0x2D { i += 1 }
        guard i - start <= 40, i + 1 < u.count, u[i] == 0x3A, u[i + 1] == 0x20 || u[i + 1] == 0x09 else { return nil }
        let ns = l.utf8.index(l.utf8.startIndex, offsetBy: start), ne = l.utf8.index(ns, offsetBy: i - start)
        let name = l[ns..<ne]
        let value = String(l[l.utf8.index(after: ne)...]).trimmingCharacters(in: .whitespaces)
        guard !value.isEmpty else { return nil }
        let known = TrailerParser.canonical[name.lowercased()]
        if known == nil, !name.contains("-") { return nil }
        return Trailer(name: known ?? String(name), value: value, person: TrailerParser.personAddress(value),
                       source: "s", collected: false)
    }

    @Test(arguments: lines) func bytesCutLikeTheStringReading(_ line: String) {
        #expect(TrailerParser.parse(line, source: "s") == Self.reference(line), "\(line)")
    }
}
