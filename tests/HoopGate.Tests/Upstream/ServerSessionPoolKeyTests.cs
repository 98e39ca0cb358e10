using HoopGate.Gateway.Authentication;
using HoopGate.Gateway.Upstream;

namespace HoopGate.Tests.Upstream;

/// <summary>Who may be handed a kept server session: the key tells every caller and every setting apart.</summary>
public sealed class ServerSessionPoolKeyTests
{
    private static readonly KeyValuePair<string, string>[] Settings = [new("database", "clinic"), new("application_name", "alice psql")];

    [Fact]
    public void The_same_caller_with_the_same_settings_gets_the_same_key()
    {
        var caller = new GatewayIdentity("alice", ["staff", "analysts"], Issuer: "https://idp.example");
        var again = new GatewayIdentity("alice", ["analysts", "staff"], Email: "alice@example.com", Issuer: "https://idp.example");

        Assert.Equal(ServerSessionPool.Key(Settings, "reader", caller), ServerSessionPool.Key([.. Settings], "reader", again));
    }

    [Fact]
    public void A_subject_with_a_space_cannot_pose_as_another_through_application_name()
    {
        // ServerParameters makes application_name "<subject> <client's name>": "Alice" + "Smith x" reads like "Alice Smith" + "x".
        var alice = new GatewayIdentity("Alice", []);
        var aliceSmith = new GatewayIdentity("Alice Smith", []);

        Assert.NotEqual(
            ServerSessionPool.Key([new("application_name", "Alice Smith x")], null, alice),
            ServerSessionPool.Key([new("application_name", "Alice Smith x")], null, aliceSmith));
    }

    [Fact]
    public void Another_issuer_other_groups_another_role_or_other_settings_make_another_key()
    {
        var caller = new GatewayIdentity("alice", ["staff"], Issuer: "https://idp.example");
        string key = ServerSessionPool.Key(Settings, "reader", caller);

        Assert.NotEqual(key, ServerSessionPool.Key(Settings, "reader", caller with { Issuer = "https://other.example" }));
        Assert.NotEqual(key, ServerSessionPool.Key(Settings, "reader", caller with { Groups = ["staff", "admins"] }));
        Assert.NotEqual(key, ServerSessionPool.Key(Settings, "writer", caller));
        Assert.NotEqual(key, ServerSessionPool.Key(Settings, null, caller));
        Assert.NotEqual(key, ServerSessionPool.Key([new("database", "clinic"), new("application_name", "alice psql"), new("DateStyle", "German")], "reader", caller));
    }

    [Fact]
    public void Parts_cannot_be_shifted_between_name_and_value()
    {
        var caller = new GatewayIdentity("alice", []);

        Assert.NotEqual(
            ServerSessionPool.Key([new("TimeZone", "UTC"), new("DateStyle", "ISO")], null, caller),
            ServerSessionPool.Key([new("TimeZone", "UTC3:DateStyle"), new("", "ISO")], null, caller));
    }
}
