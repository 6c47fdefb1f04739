import GatewayCore
import GatewayDomain
import Hummingbird

/// Prepares a chat stream's answer in a child task, so the connection's own task, which
/// then writes the stream for as long as it lasts, never went deep.
///
/// Swift's task allocator keeps a task's slabs at the deepest its async frames ever went
/// until the task ends: preparing a chat (middleware, the bearer check, the database)
/// went about 23 KB deep, and every held stream kept those 23 KB. The child's slabs are
/// freed when it returns the response; writing the stream needs a few KB.
package struct ShallowStreamMiddleware: RouterMiddleware {

    package init() {
    }

    package typealias Context = AppRequestContext

    package func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        // The chat API's streams only. Other routes, `/v1` included (a stream there is asked
        // in the body), skip the child task: starting one added about 0.05 ms to a call at
        // one connection.
        guard ChatController.asksForStream(request) else { return try await next(request, context) }
        return try await withoutActuallyEscaping(next) { next in
            // The child only runs while this task waits for it (structured), so handing it
            // the chain's closure is safe although the closure is not declared Sendable.
            let chain = UncheckedChain(call: next)
            async let response = chain.call(request, context)
            return try await response
        }
    }

    private struct UncheckedChain: @unchecked Sendable {
        package let call: (Request, Context) async throws -> Response
    }
}
