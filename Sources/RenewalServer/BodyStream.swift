import CompressNIO
import Foundation
import Hummingbird

/// Writes a response body in chunks as they are produced, gzip-compressed (one deflate stream,
/// flushed per chunk so the client can decode as it reads) when the client asked for it.
struct BodyStream {
    private let compressor: NIOCompressor?

    init(gzip: Bool) throws {
        if gzip {
            let c = CompressionAlgorithm.gzip().compressor
            try c.startStream()
            compressor = c
        } else {
            compressor = nil
        }
    }

    mutating func write(_ text: String, to writer: inout any ResponseBodyWriter) async throws {
        try await write(ByteBuffer(string: text), to: &writer)
    }

    mutating func write(_ bytes: [UInt8], to writer: inout any ResponseBodyWriter) async throws {
        try await write(ByteBuffer(bytes: bytes), to: &writer)
    }

    private mutating func write(_ chunk: ByteBuffer, to writer: inout any ResponseBodyWriter) async throws {
        var buffer = chunk
        if let compressor {
            buffer = try buffer.compressStream(with: compressor, flush: .sync)
        }
        try await writer.write(buffer)
    }

    mutating func finish(_ writer: inout any ResponseBodyWriter) async throws {
        if let compressor {
            var empty = ByteBuffer()
            let tail = try empty.compressStream(with: compressor, flush: .finish)
            try compressor.finishStream()
            try await writer.write(tail)
        }
        try await writer.finish(nil)
    }
}

extension ByteBuffer {
    /// The buffer's bytes as one gzip stream (for a body written whole).
    func gzipped() throws -> ByteBuffer {
        var input = self
        let compressor = CompressionAlgorithm.gzip().compressor
        try compressor.startStream()
        defer { try? compressor.finishStream() }
        var packed = ByteBuffer()
        packed.reserveCapacity(compressor.maxSize(from: input))
        try compressor.streamDeflate(from: &input, to: &packed, flush: .finish)
        return packed
    }
}
