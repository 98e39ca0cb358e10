using HoopGate.Testing;
using Npgsql;

namespace HoopGate.EndToEnd.Tests;

/// <summary>LISTEN/NOTIFY: asynchronous NotificationResponse messages relayed to an idle client.</summary>
[Collection(GatewayCollection.Name)]
public sealed class NotificationTests(GatewayFixture fixture)
{
    private readonly GatewayInstance _gateway = fixture.Gateway;

    [Fact]
    public async Task Notification_from_another_session_reaches_an_idle_listener_with_its_payload()
    {
        string channel = GatewayFixture.UniqueName("chan");
        await using NpgsqlConnection listener = await _gateway.OpenAsync().Within();
        await using NpgsqlConnection notifier = await _gateway.OpenAsync().Within();
        var received = new List<NpgsqlNotificationEventArgs>();
        listener.Notification += (_, e) => received.Add(e);
        await listener.ExecuteAsync("LISTEN " + channel);

        await using (var notify = new NpgsqlCommand("SELECT pg_notify($1, $2)", notifier))
        {
            notify.Parameters.Add(new NpgsqlParameter { Value = channel });
            notify.Parameters.Add(new NpgsqlParameter { Value = "payload ✓ 1" });
            await notify.ExecuteNonQueryAsync().Within();
        }

        // The listener is idle: the notification arrives on its own, not with the reply to a query.
        bool arrived = await listener.WaitAsync(TimeSpan.FromSeconds(10)).Within();
        Assert.True(arrived, "no notification within 10 s");
        NpgsqlNotificationEventArgs notification = Assert.Single(received);
        Assert.Equal(channel, notification.Channel);
        Assert.Equal("payload ✓ 1", notification.Payload);
        Assert.Equal(notifier.ProcessID, notification.PID);
    }

    [Fact]
    public async Task Notifications_sent_in_a_transaction_arrive_once_committed_and_in_order()
    {
        string channel = GatewayFixture.UniqueName("chan");
        await using NpgsqlConnection listener = await _gateway.OpenAsync().Within();
        await using NpgsqlConnection notifier = await _gateway.OpenAsync().Within();
        var payloads = new List<string>();
        listener.Notification += (_, e) => payloads.Add(e.Payload);
        await listener.ExecuteAsync("LISTEN " + channel);

        await notifier.ExecuteAsync($"BEGIN; NOTIFY {channel}, 'first'; NOTIFY {channel}, 'second'; NOTIFY {channel}, 'third'; COMMIT");

        DateTime deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (payloads.Count < 3 && DateTime.UtcNow < deadline)
        {
            await listener.WaitAsync(TimeSpan.FromSeconds(1)).Within();
        }

        Assert.Equal(["first", "second", "third"], payloads);

        // And the listener still answers queries.
        Assert.Equal(1, await listener.ScalarAsync<int>("SELECT 1"));
    }
}
