using System.Xml;

namespace Vigil.Onvif.Client;

/// <summary>
/// The event service's PullPoint (ONVIF Core 9.1.3 and 9.9.2): subscribe, pull with a long-poll,
/// renew, unsubscribe. The request timeout of this client's options must exceed the pull's
/// timeout, or every quiet pull ends as a transport error.
/// </summary>
public sealed partial class OnvifClient
{
    public const string EventsNamespace = "http://www.onvif.org/ver10/events/wsdl";
    private const string NotificationNamespace = "http://docs.oasis-open.org/wsn/b-2";

    public Task<OnvifEvent.Subscription> CreatePullPointSubscriptionAsync(Uri events, TimeSpan termination, CancellationToken ct = default) =>
        CallAsync(
            events,
            SoapRequest.Of(EventsNamespace, "CreatePullPointSubscription", SoapParameter.Text("InitialTerminationTime", XmlConvert.ToString(termination))),
            OnvifEvent.ReadSubscription,
            authenticate: true,
            ct);

    /// <summary>Waits up to <paramref name="wait"/> at the camera for up to <paramref name="limit"/> messages.</summary>
    public Task<List<OnvifEvent>> PullMessagesAsync(Uri subscription, TimeSpan wait, int limit, CancellationToken ct = default) =>
        CallAsync(
            subscription,
            SoapRequest.Of(EventsNamespace, "PullMessages", SoapParameter.Text("Timeout", XmlConvert.ToString(wait)), SoapParameter.Text("MessageLimit", limit.ToString(System.Globalization.CultureInfo.InvariantCulture))),
            OnvifEvent.ReadMessages,
            authenticate: true,
            ct);

    public Task RenewAsync(Uri subscription, TimeSpan termination, CancellationToken ct = default) =>
        CallAsync(subscription, SoapRequest.Of(NotificationNamespace, "Renew", SoapParameter.Text("TerminationTime", XmlConvert.ToString(termination))), IgnoreBody, authenticate: true, ct);

    public Task UnsubscribeAsync(Uri subscription, CancellationToken ct = default) =>
        CallAsync(subscription, SoapRequest.Of(NotificationNamespace, "Unsubscribe"), IgnoreBody, authenticate: true, ct);
}
