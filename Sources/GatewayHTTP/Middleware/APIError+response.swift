import Foundation
import GatewayCore
import Hummingbird

extension APIError: HTTPResponseError {
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = self.headers
        headers[.contentType] = "application/json"
        // `detail` first, then `code`, as the reference writes them.
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var data = Data(#"{"detail":"#.utf8)
        data += try encoder.encode(detail)
        data += Data(#","code":"#.utf8)
        data += try encoder.encode(code)
        data += Data("}".utf8)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
