using HoopGate.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace HoopGate.Tests.Hosting;

/// <summary>The host refuses to start with a configuration that is unsafe or incomplete, and says why.</summary>
public sealed class ConfigurationValidationTests
{
    private static Dictionary<string, string?> Valid() => new()
    {
        ["HoopGate:Gateway:Port"] = "0",
        ["HoopGate:Gateway:Tls:Required"] = "false",
        ["HoopGate:Upstream:User"] = "gateway",
        ["HoopGate:Authentication:Mode"] = "Static",
        ["HoopGate:Authentication:Insecure"] = "true",
        ["HoopGate:Authentication:StaticUsers:0:Name"] = "alice",
        ["HoopGate:Authentication:StaticUsers:0:Password"] = "not-a-real-secret",
        ["HoopGate:Logging:Level"] = "Fatal",
    };

    private static List<string> Failures(Dictionary<string, string?> settings)
    {
        using IHost host = GatewayHost.CreateBuilder(null, settings).Build();
        try
        {
            host.Services.GetRequiredService<IStartupValidator>().Validate();
            return [];
        }
        catch (OptionsValidationException ex)
        {
            return ex.Failures.ToList();
        }
        catch (AggregateException ex)
        {
            return ex.InnerExceptions.OfType<OptionsValidationException>().SelectMany(e => e.Failures).ToList();
        }
    }

    [Fact]
    public void A_complete_test_configuration_is_valid()
    {
        Assert.Empty(Failures(Valid()));
    }

    [Fact]
    public void Static_authenticator_is_refused_unless_the_configuration_says_it_is_insecure()
    {
        Dictionary<string, string?> settings = Valid();
        settings["HoopGate:Authentication:Insecure"] = "false";

        string failure = Assert.Single(Failures(settings));
        Assert.Contains("tests only", failure, StringComparison.Ordinal);
        Assert.Contains("Insecure", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void No_authentication_mode_is_refused()
    {
        Dictionary<string, string?> settings = Valid();
        settings.Remove("HoopGate:Authentication:Mode");

        Assert.Contains(Failures(settings), f => f.Contains("Authentication:Mode must be set", StringComparison.Ordinal));
    }

    [Fact]
    public void Required_tls_without_a_certificate_is_refused()
    {
        Dictionary<string, string?> settings = Valid();
        settings.Remove("HoopGate:Gateway:Tls:Required");

        Assert.Contains(Failures(settings), f => f.Contains("Tls:Required", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        Dictionary<string, string?> settings = Valid();
        settings["HoopGate:Gateway:Port"] = "70000";
        settings["HoopGate:Gateway:MaxConnections"] = "0";
        settings["HoopGate:Gateway:AllowedStartupParameters:0"] = "role";

        List<string> failures = Failures(settings);
        Assert.Contains(failures, f => f.Contains("Port", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("MaxConnections", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("'role'", StringComparison.Ordinal));
    }

    [Fact]
    public void Upstream_verification_needs_a_root_certificate()
    {
        Dictionary<string, string?> settings = Valid();
        settings["HoopGate:Upstream:SslMode"] = "VerifyFull";

        Assert.Contains(Failures(settings), f => f.Contains("RootCertificatePath", StringComparison.Ordinal));
    }
}
