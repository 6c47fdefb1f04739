import GatewayCore
import GatewayDomain
import NIOCore
import NIOHTTPTypes

/// Closes a connection whose request body does not arrive in full within
/// `HTTP_BODY_TIMEOUT_SECONDS` of its head (a slow-loris body). A slow head is the idle
/// timeout's job (`HTTP_IDLE_TIMEOUT_SECONDS`): Hummingbird counts a connection idle
/// until a complete head arrives.
package final class RequestReadTimeoutHandler: ChannelInboundHandler, RemovableChannelHandler {
    package typealias InboundIn = HTTPRequestPart
    package typealias InboundOut = HTTPRequestPart

    private let timeout: TimeAmount
    private var timer: Scheduled<Void>?
    /// When the head of a request whose end has not arrived yet was read.
    private var awaitingEndSince: NIODeadline?

    package init(timeout: Duration) {
        self.timeout = .nanoseconds(Int64(timeout / .nanoseconds(1)))
    }

    package func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            timer?.cancel()
            timer = nil
            awaitingEndSince = .now()
        case .body:
            break
        case .end:
            timer?.cancel()
            timer = nil
            awaitingEndSince = nil
        }
        context.fireChannelRead(data)
    }

    /// The timer starts only for a body still incomplete after the read that brought its
    /// head: most requests arrive whole in one read and never schedule one.
    package func channelReadComplete(context: ChannelHandlerContext) {
        if let since = awaitingEndSince, timer == nil {
            let channel = context.channel
            timer = context.eventLoop.scheduleTask(deadline: since + timeout) { channel.close(promise: nil) }
        }
        context.fireChannelReadComplete()
    }

    package func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    package func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }
}
