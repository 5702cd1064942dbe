import Testing
import ReviewCore

/// One subject and what patchwork's rules (and b4's) say about it.
struct SubjectCase: CustomTestStringConvertible, Sendable {
    var subject: String
    var prefixes: [String]
    var version: Int
    var index: Int?
    var total: Int?
    var name: String
    var reply = false
    var testDescription: String { subject }
}

@Suite struct PatchSubjectTests {
    static let cases: [SubjectCase] = [
        // patchwork clean_subject / split_prefixes behaviour
        SubjectCase(subject: "[PATCH]meep", prefixes: [], version: 1, name: "meep"),
        SubjectCase(subject: "[PATCH] meep", prefixes: [], version: 1, name: "meep"),
        SubjectCase(subject: "[PATCH,RFC] meep", prefixes: ["RFC"], version: 1, name: "meep"),
        SubjectCase(subject: "[RFC,PATCH] meep", prefixes: ["RFC"], version: 1, name: "meep"),
        SubjectCase(subject: "[PATCH,1/2] meep", prefixes: ["1/2"], version: 1, index: 1, total: 2, name: "meep"),
        SubjectCase(subject: "[PATCH RFC 1/2] meep", prefixes: ["RFC", "1/2"], version: 1, index: 1, total: 2, name: "meep"),
        SubjectCase(subject: "[PATCH] [RFC] meep", prefixes: ["RFC"], version: 1, name: "meep"),
        SubjectCase(subject: "[PATCH] [RFC,1/2] meep", prefixes: ["RFC", "1/2"], version: 1, index: 1, total: 2, name: "meep"),
        SubjectCase(subject: "[PATCH] rewrite [a-z] regexes", prefixes: [], version: 1, name: "rewrite [a-z] regexes"),
        SubjectCase(subject: "[PATCH] meep\n meep", prefixes: [], version: 1, name: "meep meep"),
        SubjectCase(subject: "Re: meep", prefixes: [], version: 1, name: "meep", reply: true),
        // the shapes of design section 3 and the corpora
        SubjectCase(subject: "[PATCH v2 3/7] mm: foo", prefixes: ["v2", "3/7"], version: 2, index: 3, total: 7, name: "mm: foo"),
        SubjectCase(subject: "[PATCH v6,19/24] x86: bar", prefixes: ["v6", "19/24"], version: 6, index: 19, total: 24, name: "x86: bar"),
        SubjectCase(subject: "[RFC PATCH net-next v3 0/4] net: baz", prefixes: ["RFC", "net-next", "v3", "0/4"],
                    version: 3, index: 0, total: 4, name: "net: baz"),
        SubjectCase(subject: "[RFC][PATCH 00/10] cifs: local caching support using FS-Cache", prefixes: ["RFC", "00/10"],
                    version: 1, index: 0, total: 10, name: "cifs: local caching support using FS-Cache"),
        SubjectCase(subject: "[PATCH 1 of 2] hg: export", prefixes: ["1", "of", "2"], version: 1, index: 1, total: 2, name: "hg: export"),
        SubjectCase(subject: "[PATCH 3/n] test: Remove Markdown formatting", prefixes: ["3/n"], version: 1, index: 3, total: nil,
                    name: "test: Remove Markdown formatting"),
        SubjectCase(subject: "[PATCH 3/3 v2] xdiff: remove nowhere", prefixes: ["3/3", "v2"], version: 2, index: 3, total: 3,
                    name: "xdiff: remove nowhere"),
        SubjectCase(subject: "[bar PATCH1/8] meep", prefixes: ["bar", "PATCH1/8"], version: 1, index: 1, total: 8, name: "meep"),
        SubjectCase(subject: "[v2PATCH1/4] meep", prefixes: ["v2PATCH1/4"], version: 2, index: 1, total: 4, name: "meep"),
        SubjectCase(subject: "[Navy-patches] [PATCH] manual: foo", prefixes: ["Navy-patches"], version: 1, name: "manual: foo"),
        SubjectCase(subject: "[notmuch] [PATCH 2/3] emacs: bar", prefixes: ["notmuch", "2/3"], version: 1, index: 2, total: 3, name: "emacs: bar"),
        SubjectCase(subject: "Re: [PATCH v2 1/4] mm: Introduce vm_uffd_ops API", prefixes: ["v2", "1/4"], version: 2, index: 1, total: 4,
                    name: "mm: Introduce vm_uffd_ops API", reply: true),
        SubjectCase(subject: "RE: Re: re: [PATCH] a", prefixes: [], version: 1, name: "a", reply: true),
        SubjectCase(subject: "AW: [PATCH 2/2] b", prefixes: ["2/2"], version: 1, index: 2, total: 2, name: "b", reply: true),
        SubjectCase(subject: "Re: Fwd: [PATCH] c", prefixes: [], version: 1, name: "c", reply: true),
        SubjectCase(subject: "[PATCH net-next v3 0/4] net: dsa: Multi-CPU ground work (v3)", prefixes: ["net-next", "v3", "0/4"],
                    version: 3, index: 0, total: 4, name: "net: dsa: Multi-CPU ground work (v3)"),
        SubjectCase(subject: "Hello, world (v2)", prefixes: [], version: 2, name: "Hello, world (v2)"),
        SubjectCase(subject: "Hello, world (V6)", prefixes: [], version: 6, name: "Hello, world (V6)"),
        SubjectCase(subject: "[PATCH V10] meep", prefixes: ["V10"], version: 10, name: "meep"),
        SubjectCase(subject: "[net,v2,1/2] net: ieee802154: remove explicit set skb->sk", prefixes: ["net", "v2", "1/2"],
                    version: 2, index: 1, total: 2, name: "net: ieee802154: remove explicit set skb->sk"),
        SubjectCase(subject: "PATCH1/8 meep", prefixes: ["PATCH1/8"], version: 1, index: 1, total: 8, name: "meep"),
    ]

    @Test(arguments: cases)
    func subjectFacts(_ c: SubjectCase) {
        let s = PatchSubject(c.subject)
        #expect(s.prefixes == c.prefixes)
        #expect(s.version == c.version)
        #expect(s.index == c.index)
        #expect(s.total == c.total)
        #expect(s.name == c.name)
        #expect(s.isReply == c.reply)
    }

    @Test func cleanedSubjectKeepsNonPatchPrefixes() {
        #expect(PatchSubject("[PATCH RFC 1/2] meep").cleaned == "[RFC,1/2] meep")
        #expect(PatchSubject("[PATCH] [RFC] rewrite [a-z] regexes").cleaned == "[RFC] rewrite [a-z] regexes")
        #expect(PatchSubject("[foo] [bar] meep", dropPrefixes: ["foo"]).cleaned == "[bar] meep")
        #expect(PatchSubject("[FOO] [bar] meep", dropPrefixes: ["foo"]).cleaned == "[bar] meep")
    }

    @Test func splitPrefixesLikePatchwork() {
        #expect(PatchSubject.splitPrefixes("PATCH") == ["PATCH"])
        #expect(PatchSubject.splitPrefixes("PATCH,RFC") == ["PATCH", "RFC"])
        #expect(PatchSubject.splitPrefixes("") == [])
        #expect(PatchSubject.splitPrefixes("PATCH,") == ["PATCH"])
        #expect(PatchSubject.splitPrefixes("PATCH ") == ["PATCH"])
        #expect(PatchSubject.splitPrefixes("PATCH 1/2") == ["PATCH", "1/2"])
    }

    @Test func rfcAndResendFlags() {
        let s = PatchSubject("[RFC PATCH RESEND v2 1/3] x")
        #expect(s.isRFC && s.isResend && s.isPatch && s.versionLabelled)
        #expect(!PatchSubject("do a thing to the widget subsystem").isPatch)
    }
}
