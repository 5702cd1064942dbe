/// The built-in scenarios: facts §4 S1–S22 and the concurrent ones of design §4 "Interleavings".
import Foundation

enum Scenarios {
    static let all: [Scenario] = [
        Scenario(id: "S1", title: "anon private, MISSING: fault then COPY", source: "facts §4 S1", script: """
        mmap buf anon pages=1 private
        api
        register buf mode=missing
        expect errno=ok ioctls=0x13c
        fault buf offset=0 read
        expect waited=1
        copy buf pages=1
        expect errno=ok copy=4096
        """),
    ]
}
