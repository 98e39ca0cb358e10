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
        ["HoopGate:Policy:Path"] = HoopGate.Testing.TestPolicy.PermissivePath,
        ["HoopGate:Audit:ConnectionString"] = "Host=127.0.0.1;Database=hoopgate_audit;Username=audit",
        ["HoopGate:Audit:SpoolDirectory"] = "/var/lib/hoopgate/spool",
        ["HoopGate:Audit:ParameterKey"] = "a-test-parameter-key-of-32-characters",
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

    [Theory]
    [InlineData(null, "PublicOrigin is required")]
    [InlineData("http://console.example.org", "must be an https origin")]
    [InlineData("https://console.example.org/console", "must be an https origin")]
    [InlineData("https://console.example.org", null)]
    public void A_console_behind_a_tls_proxy_must_name_the_https_origin_browsers_use(string? origin, string? failure)
    {
        Dictionary<string, string?> settings = Valid();
        settings["HoopGate:Admin:Enabled"] = "true";
        settings["HoopGate:Admin:ListenAddress"] = "10.0.0.5";
        settings["HoopGate:Admin:AllowInsecureHttp"] = "true";
        settings["HoopGate:Admin:Console:Enabled"] = "true";
        settings["HoopGate:Admin:Console:ClientId"] = "hoopgate-console";
        settings["HoopGate:Admin:Console:PublicOrigin"] = origin;
        List<string> failures = Failures(settings);
        if (failure is null)
        {
            Assert.Empty(failures);
        }
        else
        {
            Assert.Contains(failures, f => f.Contains(failure, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void A_complete_test_configuration_is_valid()
    {
        Assert.Empty(Failures(Valid()));
    }

    [Fact]
    public void A_configured_list_replaces_its_default_instead_of_adding_to_it()
    {
        Dictionary<string, string?> settings = Valid();
        settings["HoopGate:Authentication:Mode"] = "Oidc";
        settings["HoopGate:Oidc:Issuers:0:Issuer"] = "https://login.example.org/realms/clinic";
        settings["HoopGate:Oidc:Issuers:0:Audiences:0"] = "hoopgate";
        settings["HoopGate:Oidc:AllowedAlgorithms:0"] = "RS256";
        settings["HoopGate:Oidc:GroupClaims:0"] = "realm_access.roles";
        settings["HoopGate:Approvals:ApproverGroups:0"] = "dba-leads";
        settings["HoopGate:Admin:AdminGroups:0"] = "platform";
        settings["HoopGate:Gateway:AllowedStartupParameters:0"] = "application_name";
        using IHost host = GatewayHost.CreateBuilder(null, settings).Build();

        Assert.Equal(["RS256"], host.Services.GetRequiredService<IOptions<HoopGate.Auth.OidcOptions>>().Value.AllowedAlgorithms);
        Assert.Equal(["realm_access.roles"], host.Services.GetRequiredService<IOptions<HoopGate.Auth.OidcOptions>>().Value.GroupClaims);
        Assert.Equal(["dba-leads"], host.Services.GetRequiredService<IOptions<HoopGate.Approvals.ApprovalOptions>>().Value.ApproverGroups);
        Assert.Equal(["platform"], host.Services.GetRequiredService<IOptions<HoopGate.Admin.AdminOptions>>().Value.AdminGroups);
        Assert.Equal(["application_name"], host.Services.GetRequiredService<IOptions<HoopGate.Gateway.Configuration.GatewayOptions>>().Value.AllowedStartupParameters);
    }

    [Fact]
    public void A_list_left_out_of_the_configuration_gets_its_default()
    {
        using IHost host = GatewayHost.CreateBuilder(null, Valid()).Build();

        Assert.Equal(["approvers"], host.Services.GetRequiredService<IOptions<HoopGate.Approvals.ApprovalOptions>>().Value.ApproverGroups);
        Assert.Equal(["admins"], host.Services.GetRequiredService<IOptions<HoopGate.Admin.AdminOptions>>().Value.AdminGroups);
        Assert.Contains("application_name", host.Services.GetRequiredService<IOptions<HoopGate.Gateway.Configuration.GatewayOptions>>().Value.AllowedStartupParameters);
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

    [Theory]
    [InlineData("search_path")]
    [InlineData("standard_conforming_strings")]
    public void Startup_parameters_that_change_how_the_server_reads_sql_cannot_be_allowed(string parameter)
    {
        Dictionary<string, string?> settings = Valid();
        settings["HoopGate:Gateway:AllowedStartupParameters:0"] = parameter;

        Assert.Contains(Failures(settings), f => f.Contains("'" + parameter + "'", StringComparison.Ordinal) && f.Contains("policy", StringComparison.Ordinal));
    }

    [Fact]
    public void A_policy_file_is_required_and_its_errors_are_reported_with_their_lines()
    {
        Dictionary<string, string?> settings = Valid();
        settings.Remove("HoopGate:Policy:Path");
        Assert.Contains(Failures(settings), f => f.Contains("HoopGate:Policy:Path is required", StringComparison.Ordinal));

        settings["HoopGate:Policy:Path"] = HoopGate.Testing.TestPolicy.Write("version: 1\neveryone:\n  statements: [selct]\n");
        Assert.Contains(Failures(settings), f => f.Contains("policy.yaml:3:16: unknown statement kind 'selct'", StringComparison.Ordinal));
    }

    [Fact]
    public void Audit_is_required_unless_the_configuration_says_it_is_insecure()
    {
        Dictionary<string, string?> settings = Valid();
        settings["HoopGate:Audit:Mode"] = "Off";
        Assert.Empty(Failures(settings));

        settings["HoopGate:Authentication:Mode"] = "Oidc";
        settings["HoopGate:Authentication:Insecure"] = "false";
        settings["HoopGate:Oidc:Issuers:0:Issuer"] = "https://login.example.org/realms/clinic";
        settings["HoopGate:Oidc:Issuers:0:Audiences:0"] = "hoopgate";
        Assert.Contains(Failures(settings), f => f.Contains("HoopGate:Audit:Mode may be Off only", StringComparison.Ordinal));

        settings["HoopGate:Audit:Mode"] = "Strict";
        settings.Remove("HoopGate:Audit:SpoolDirectory");
        Assert.Contains(Failures(settings), f => f.Contains("HoopGate:Audit:SpoolDirectory is required", StringComparison.Ordinal));

        settings.Remove("HoopGate:Audit:ParameterKey");
        Assert.Contains(Failures(settings), f => f.Contains("HoopGate:Audit:ParameterKey (or ParameterKeyFile) is required", StringComparison.Ordinal));
        settings["HoopGate:Audit:ParameterKey"] = "short";
        Assert.Contains(Failures(settings), f => f.Contains("at least 32 characters", StringComparison.Ordinal));
    }

    [Fact]
    public void No_authentication_mode_is_refused()
    {
        Dictionary<string, string?> settings = Valid();
        settings.Remove("HoopGate:Authentication:Mode");

        Assert.Contains(Failures(settings), f => f.Contains("Authentication:Mode must be set", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("1073741823", false)]
    [InlineData("1073741824", true)]
    [InlineData("2147483647", true)]
    public void Streamed_messages_may_be_at_most_postgresql_s_own_one_gigabyte_limit(string length, bool refused)
    {
        Dictionary<string, string?> settings = Valid();
        settings["HoopGate:Gateway:MaxStreamedMessageLength"] = length;

        Assert.Equal(refused, Failures(settings).Any(f => f.Contains("MaxStreamedMessageLength must be at most 1073741823", StringComparison.Ordinal)));
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
