namespace HoopGate.Gateway.Configuration;

/// <summary>A user of the test-only static authenticator.</summary>
public sealed class StaticUser
{
    /// <summary>The user name the client sends.</summary>
    public string Name { get; set; } = "";

    /// <summary>The password the client must send. Never log it.</summary>
    public string Password { get; set; } = "";

    /// <summary>The groups policy sees for this user.</summary>
    public List<string> Groups { get; set; } = [];
}
