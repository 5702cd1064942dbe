import Foundation
import Testing
import TestSupport
@testable import MailCore

/// `Message` shares its fields between copies until one is changed; it still behaves as a value.
@Suite struct MessageValueTests {
    static func sample() -> Message {
        Message(messageId: "1@x", subject: "s", from: Address(name: "A", email: "a@x"), to: [Address(name: "", email: "b@x")],
                date: Date(timeIntervalSince1970: 0), rawDate: "Thu, 1 Jan 1970 00:00:00 +0000",
                references: ["0@x"], headers: [Header(name: "Subject", value: "s")], body: "text",
                parts: [BodyPart(contentType: "text/plain", text: "text", inBody: true)], offset: 10, length: 20)
    }

    @Test func copiesAreIndependentValues() {
        let original = Self.sample()
        var copy = original
        #expect(copy == original)
        copy.subject = "t"
        copy.to.append(Address(name: "C", email: "c@x"))
        copy.defects.append(Defect(kind: .other, offset: 1, detail: "d"))
        copy.headers.append(Header(name: "X", value: "y"))
        copy.date = nil
        #expect(original.subject == "s")
        #expect(original.to.count == 1)
        #expect(original.defects.isEmpty)
        #expect(original.headers.count == 1)
        #expect(original.date != nil)
        #expect(copy.subject == "t" && copy.to.count == 2 && copy.defects.count == 1 && copy.headers.count == 2)
        #expect(copy != original)
    }

    @Test func equalityIsByValue() {
        var a = Self.sample(), b = Self.sample()
        #expect(a == b)
        b.body += "!"
        #expect(a != b)
        a.body += "!"
        #expect(a == b)
        a.parts[0].text = "other"
        #expect(a != b)
        var c = Self.sample()
        c.headers = [Header(name: "subject", value: "s")]
        #expect(c != Self.sample())
    }

    @Test func mutationThroughAnArrayElementStaysInPlace() {
        var list = [Self.sample(), Self.sample()]
        let kept = list[0]
        list[0].defects.append(Defect(kind: .duplicateMessageId, offset: 3, detail: "dup"))
        #expect(list[0].defects.count == 1)
        #expect(kept.defects.isEmpty)
        #expect(list[1].defects.isEmpty)
    }
}
