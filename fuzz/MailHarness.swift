// libFuzzer harness for MailCore: the whole mail pipeline (format detection, splitting, headers,
// RFC 2047, MIME, transfer encodings, charsets, threading) on arbitrary bytes.
import MailCore

@_cdecl("LLVMFuzzerTestOneInput")
public func mailFuzzTestOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let box = MailReader.parse(bytes: bytes, source: "fuzz")
    var sink = box.threads.count &+ box.defects.count
    for m in box.messages {
        sink &+= m.body.utf8.count &+ m.subject.utf8.count &+ m.parts.count &+ m.references.count
        // Headers are decoded on demand from the input buffer: exercise that path too.
        sink &+= m.headers.count &+ (m.header("subject")?.utf8.count ?? 0) &+ (m.header("x-missing") == nil ? 1 : 0)
    }
    _ = MailboxRendering.json(box).utf8.count &+ MailboxRendering.human(box).utf8.count &+ sink
    return 0
}
