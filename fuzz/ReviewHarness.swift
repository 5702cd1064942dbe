// libFuzzer harness for ReviewCore: the diff parser, patch-mail parser and reviewer-comment
// extraction. The input is used twice: as a mailbox (so real headers/MIME reach the review
// builder) and as the body text of a patch mail plus a reply to it (so every byte reaches the
// diff and quote parsers directly).
import MailCore
import ReviewCore

@_cdecl("LLVMFuzzerTestOneInput")
public func reviewFuzzTestOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var sink = 0
    let box = MailReader.parse(bytes: bytes, source: "fuzz")
    let r1 = Review(mailbox: box)
    sink &+= r1.patches.count &+ r1.comments.count &+ r1.defects.count

    let text = String(decoding: bytes, as: UTF8.self)
    let diff = DiffParser.parse(text)
    sink &+= diff.files.count &+ diff.defects.count
    let pm = PatchMail(body: text, messageId: "p@fuzz")
    sink &+= pm.files.count &+ pm.trailers.count
    let lines = QuoteParser.classify(text)
    sink &+= QuoteParser.comments(lines, author: "Fuzz").count
    let author = Address(name: "Fuzz", email: "fuzz@example.org")
    let patch = Message(messageId: "p@fuzz", subject: "[PATCH v2 1/2] fuzz: input as a patch", from: author,
                        date: nil, body: text)
    let reply = Message(messageId: "r@fuzz", subject: "Re: [PATCH v2 1/2] fuzz: input as a patch", from: author,
                        date: nil, inReplyTo: "p@fuzz", references: ["p@fuzz"], body: text)
    let orphan = Message(messageId: "o@fuzz", subject: "Re: [PATCH 3/3] fuzz: quoted patch not in input",
                         from: author, date: nil, inReplyTo: "missing@fuzz", references: ["missing@fuzz"], body: text)
    let r2 = ReviewBuilder.build([patch, reply, orphan])
    sink &+= r2.patches.count &+ r2.comments.count &+ r2.interdiffs.count
    _ = sink
    return 0
}
