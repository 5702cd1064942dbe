import Foundation

/// Pure-Swift DEFLATE (RFC 1951) and gzip (RFC 1952) decoder, so MailCore needs no zlib.
///
/// Decodes block by block into a growing output buffer; a truncated or corrupt stream yields the
/// bytes decoded so far plus a description of the problem instead of throwing away everything.
enum Inflate {
    /// Why decoding stopped early.
    struct Failure: Error, Sendable, Equatable {
        /// Byte offset in the compressed input where the problem was seen.
        var offset: Int
        var detail: String
    }

    /// Whether `bytes` starts with the gzip magic number.
    static func isGzip(_ bytes: Bytes) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
    }

    /// Decompresses every gzip member in `input`. Returns the output and, when the stream was
    /// truncated or corrupt, the failure (output then holds what could be decoded).
    static func gunzip(_ input: Bytes) -> (output: Output, failure: Failure?) {
        let out = Output(capacity: input.count * 4)
        var pos = 0
        var members = 0
        while pos < input.count {
            if members > 0 && !(pos + 1 < input.count && input[pos] == 0x1F && input[pos + 1] == 0x8B) {
                // Trailing padding after a member (often zeros) is tolerated.
                break
            }
            do {
                pos = try member(input, at: pos, into: out)
                members += 1
            } catch {
                return (out, error)
            }
        }
        return (out, nil)
    }

    /// Parses one gzip member header, inflates its payload and checks the trailer length.
    private static func member(_ input: Bytes, at start: Int, into out: Output) throws(Failure) -> Int {
        guard start + 10 <= input.count else { throw Failure(offset: start, detail: "gzip header truncated") }
        guard input[start] == 0x1F, input[start + 1] == 0x8B else { throw Failure(offset: start, detail: "not gzip") }
        guard input[start + 2] == 8 else { throw Failure(offset: start + 2, detail: "unsupported gzip method \(input[start + 2])") }
        let flags = input[start + 3]
        var p = start + 10
        if flags & 0x04 != 0 {
            guard p + 2 <= input.count else { throw Failure(offset: p, detail: "gzip extra field truncated") }
            p += 2 + (Int(input[p]) | (Int(input[p + 1]) << 8))
        }
        if flags & 0x08 != 0 { p = input.find(0, from: p, to: input.count) + 1 }
        if flags & 0x10 != 0 { p = input.find(0, from: p, to: input.count) + 1 }
        if flags & 0x02 != 0 { p += 2 }
        guard p <= input.count else { throw Failure(offset: input.count, detail: "gzip header truncated") }
        let before = out.count
        var reader = BitReader(input: input, position: p)
        try inflate(&reader, into: out)
        var end = reader.alignedPosition
        guard end + 8 <= input.count else { throw Failure(offset: input.count, detail: "gzip trailer truncated") }
        let isize = UInt32(input[end + 4]) | UInt32(input[end + 5]) << 8 | UInt32(input[end + 6]) << 16 | UInt32(input[end + 7]) << 24
        if isize != UInt32(truncatingIfNeeded: out.count - before) {
            throw Failure(offset: end + 4, detail: "gzip length mismatch")
        }
        end += 8
        return end
    }

    /// Inflates a raw DEFLATE stream (no gzip wrapper).
    static func inflateRaw(_ input: Bytes) -> (output: [UInt8], failure: Failure?) {
        let out = Output(capacity: input.count * 4)
        var reader = BitReader(input: input, position: 0)
        do { try inflate(&reader, into: out) } catch { return (out.bytes, error) }
        return (out.bytes, nil)
    }

    /// The growing output window. A class over raw storage so that copying a match from earlier
    /// output never duplicates the whole buffer (an array slice of itself would).
    final class Output {
        private var storage: UnsafeMutablePointer<UInt8>
        private(set) var capacity: Int
        private(set) var count = 0

        init(capacity: Int) {
            self.capacity = max(capacity, 4096)
            storage = .allocate(capacity: self.capacity)
        }

        deinit { storage.deallocate() }

        private func reserve(_ extra: Int) {
            guard count + extra > capacity else { return }
            var newCapacity = capacity * 2
            while newCapacity < count + extra { newCapacity *= 2 }
            let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
            grown.update(from: storage, count: count)
            storage.deallocate()
            storage = grown
            capacity = newCapacity
        }

        @inline(__always) func append(_ b: UInt8) {
            if count == capacity { reserve(1) }
            storage[count] = b
            count += 1
        }

        func append(_ bytes: UnsafeBufferPointer<UInt8>) {
            reserve(bytes.count)
            if let base = bytes.baseAddress { (storage + count).update(from: base, count: bytes.count) }
            count += bytes.count
        }

        /// Appends `length` bytes copied from `distance` back (overlapping copies repeat).
        @inline(__always) func copyMatch(distance: Int, length: Int) {
            reserve(length)
            var src = count - distance
            var dst = count
            if distance >= length {
                (storage + dst).update(from: storage + src, count: length)
            } else {
                for _ in 0..<length {
                    storage[dst] = storage[src]
                    dst += 1
                    src += 1
                }
            }
            count += length
        }

        /// A copy of the output.
        var bytes: [UInt8] { Array(buffer) }

        /// The output in place; valid while this object is alive and not appended to.
        var buffer: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: storage, count: count) }
    }

    private static func inflate(_ r: inout BitReader, into out: Output) throws(Failure) {
        var last = false
        while !last {
            last = try r.bits(1) == 1
            switch try r.bits(2) {
            case 0:
                try r.storedBlock(into: out)
            case 1:
                try codes(&r, into: out, lit: Tables.fixedLit, dist: Tables.fixedDist)
            case 2:
                let (lit, dist) = try dynamicTables(&r)
                try codes(&r, into: out, lit: lit, dist: dist)
            default:
                throw Failure(offset: r.position, detail: "invalid deflate block type")
            }
        }
    }

    private static func dynamicTables(_ r: inout BitReader) throws(Failure) -> (Huffman, Huffman) {
        let nlen = Int(try r.bits(5)) + 257
        let ndist = Int(try r.bits(5)) + 1
        let ncode = Int(try r.bits(4)) + 4
        guard nlen <= 286, ndist <= 30 else { throw Failure(offset: r.position, detail: "bad deflate code counts") }
        var lengths = [UInt8](repeating: 0, count: 19)
        for i in 0..<ncode { lengths[Tables.codeLengthOrder[i]] = UInt8(try r.bits(3)) }
        let lencode = Huffman(lengths: lengths)
        guard lencode.isValid else { throw Failure(offset: r.position, detail: "bad code-length code") }
        var all = [UInt8](repeating: 0, count: nlen + ndist)
        var i = 0
        while i < nlen + ndist {
            let sym = try lencode.decode(&r)
            if sym < 16 {
                all[i] = UInt8(sym)
                i += 1
                continue
            }
            var value: UInt8 = 0
            var repeatCount: Int
            switch sym {
            case 16:
                guard i > 0 else { throw Failure(offset: r.position, detail: "repeat with no previous length") }
                value = all[i - 1]
                repeatCount = 3 + Int(try r.bits(2))
            case 17: repeatCount = 3 + Int(try r.bits(3))
            default: repeatCount = 11 + Int(try r.bits(7))
            }
            guard i + repeatCount <= nlen + ndist else { throw Failure(offset: r.position, detail: "too many code lengths") }
            for _ in 0..<repeatCount { all[i] = value; i += 1 }
        }
        guard all[256] != 0 else { throw Failure(offset: r.position, detail: "no end-of-block code") }
        let lit = Huffman(lengths: Array(all[0..<nlen]))
        let dist = Huffman(lengths: Array(all[nlen...]))
        guard lit.isValid, dist.isValid else { throw Failure(offset: r.position, detail: "bad literal/length or distance code") }
        return (lit, dist)
    }

    private static func codes(_ r: inout BitReader, into out: Output, lit: Huffman, dist: Huffman) throws(Failure) {
        while true {
            let sym = try lit.decode(&r)
            if sym < 256 {
                out.append(UInt8(truncatingIfNeeded: sym))
                continue
            }
            if sym == 256 { return }
            let li = sym - 257
            guard li < 29 else { throw Failure(offset: r.position, detail: "bad length symbol") }
            let length = Int(Tables.lengthBase[li]) + Int(try r.bits(Int(Tables.lengthExtra[li])))
            let ds = try dist.decode(&r)
            guard ds < 30 else { throw Failure(offset: r.position, detail: "bad distance symbol") }
            let distance = Int(Tables.distBase[ds]) + Int(try r.bits(Int(Tables.distExtra[ds])))
            guard distance <= out.count else { throw Failure(offset: r.position, detail: "distance too far back") }
            out.copyMatch(distance: distance, length: length)
        }
    }

    /// LSB-first bit reader over the compressed bytes.
    struct BitReader {
        let input: Bytes
        var position: Int
        var buffer: UInt64 = 0
        var count: Int = 0

        init(input: Bytes, position: Int) {
            self.input = input
            self.position = position
        }

        @inline(__always)
        mutating func refill() {
            while count <= 56 && position < input.count {
                buffer |= UInt64(input[position]) << UInt64(count)
                position += 1
                count += 8
            }
        }

        @inline(__always)
        mutating func bits(_ n: Int) throws(Failure) -> UInt32 {
            if n == 0 { return 0 }
            if count < n {
                refill()
                guard count >= n else { throw Failure(offset: position, detail: "deflate stream truncated") }
            }
            let v = UInt32(truncatingIfNeeded: buffer & ((1 << UInt64(n)) - 1))
            buffer >>= UInt64(n)
            count -= n
            return v
        }

        /// The byte position after discarding the partial byte and unread whole bytes.
        var alignedPosition: Int { position - count / 8 }

        mutating func storedBlock(into out: Output) throws(Failure) {
            let p = alignedPosition
            buffer = 0
            count = 0
            guard p + 4 <= input.count else { throw Failure(offset: p, detail: "stored block truncated") }
            let len = Int(input[p]) | Int(input[p + 1]) << 8
            let nlen = Int(input[p + 2]) | Int(input[p + 3]) << 8
            guard len == (~nlen & 0xFFFF) else { throw Failure(offset: p, detail: "stored block length check failed") }
            let start = p + 4
            guard start + len <= input.count else {
                out.append(UnsafeBufferPointer(rebasing: input[start..<input.count]))
                throw Failure(offset: input.count, detail: "stored block truncated")
            }
            out.append(UnsafeBufferPointer(rebasing: input[start..<(start + len)]))
            position = start + len
        }
    }

    /// A canonical Huffman code with a 9-bit direct lookup table and a slow path for longer codes.
    struct Huffman {
        static let fastBits = 9
        /// Entry = symbol << 4 | length; 0 when the code is longer than `fastBits`.
        var fast: [UInt32]
        var counts: [Int]
        var symbols: [Int]

        /// False when the lengths over-subscribe the code space (corrupt stream).
        var isValid = true

        init(lengths: [UInt8]) {
            counts = [Int](repeating: 0, count: 16)
            for l in lengths { counts[Int(l)] += 1 }
            counts[0] = 0
            var left = 1
            for len in 1...15 {
                left <<= 1
                left -= counts[len]
                if left < 0 { isValid = false }
            }
            var offsets = [Int](repeating: 0, count: 16)
            for len in 1..<15 { offsets[len + 1] = offsets[len] + counts[len] }
            symbols = [Int](repeating: 0, count: lengths.count)
            for (sym, l) in lengths.enumerated() where l != 0 {
                symbols[offsets[Int(l)]] = sym
                offsets[Int(l)] += 1
            }
            fast = [UInt32](repeating: 0, count: 1 << Self.fastBits)
            // Assign canonical codes and fill the table with bit-reversed codes.
            var code = 0
            var index = 0
            for len in 1...15 {
                for _ in 0..<counts[len] {
                    if len <= Self.fastBits {
                        var rev = 0
                        var c = code
                        for _ in 0..<len { rev = (rev << 1) | (c & 1); c >>= 1 }
                        let step = 1 << len
                        var slot = rev
                        let entry = UInt32(symbols[index]) << 4 | UInt32(len)
                        while slot < (1 << Self.fastBits) { fast[slot] = entry; slot += step }
                    }
                    code += 1
                    index += 1
                }
                code <<= 1
            }
        }

        @inline(__always)
        func decode(_ r: inout BitReader) throws(Failure) -> Int {
            if r.count < 15 { r.refill() }
            if r.count >= Self.fastBits || r.count > 0 {
                let entry = fast[Int(r.buffer & UInt64((1 << Self.fastBits) - 1))]
                let len = Int(entry & 0xF)
                if entry != 0 && len <= r.count {
                    r.buffer >>= UInt64(len)
                    r.count -= len
                    return Int(entry >> 4)
                }
            }
            // Slow path: walk the canonical code one bit at a time.
            var code = 0, first = 0, index = 0
            for len in 1...15 {
                code |= Int(try r.bits(1))
                let count = counts[len]
                if code - count < first { return symbols[index + (code - first)] }
                index += count
                first += count
                first <<= 1
                code <<= 1
            }
            throw Failure(offset: r.position, detail: "invalid Huffman code")
        }
    }

    enum Tables {
        static let codeLengthOrder = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]
        static let lengthBase: [UInt16] = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31,
                                           35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
        static let lengthExtra: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2,
                                           3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
        static let distBase: [UInt16] = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193,
                                         257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145,
                                         8193, 12289, 16385, 24577]
        static let distExtra: [UInt8] = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6,
                                         7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]
        static let fixedLit: Huffman = {
            var l = [UInt8](repeating: 8, count: 288)
            for i in 144..<256 { l[i] = 9 }
            for i in 256..<280 { l[i] = 7 }
            return Huffman(lengths: l)
        }()
        static let fixedDist: Huffman = {
            let l = [UInt8](repeating: 5, count: 30)
            return Huffman(lengths: l)
        }()
    }
}
