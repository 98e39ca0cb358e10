using HoopGate.Gateway.Sessions;

namespace HoopGate.Tests.Sessions;

public sealed class StartupOptionsTests
{
    [Theory]
    [InlineData("-c role=admin", "role")]
    [InlineData("-crole=admin", "role")]
    [InlineData("--role=admin", "role")]
    [InlineData("-c search_path=public -c session-authorization=x", "search_path,session_authorization")]
    [InlineData(@"-c search_path=a\ b -c statement_timeout=5s", "search_path,statement_timeout")]
    [InlineData("-x", "-x")]
    public void Setting_names_are_read_as_the_server_reads_them(string options, string expected)
    {
        Assert.Equal(expected.Split(','), StartupOptions.Parse(options).ToArray());
    }

    [Fact]
    public void Empty_options_name_no_setting()
    {
        Assert.Empty(StartupOptions.Parse("   "));
    }
}
