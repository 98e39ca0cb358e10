using HoopGate.Auth;

namespace HoopGate.Tests.Authentication;

/// <summary>How several identity providers' groups are kept apart.</summary>
public sealed class IssuerGroupsTests
{
    private static readonly OidcOptions TwoIssuers = new()
    {
        Issuers =
        [
            new OidcIssuerOptions { Issuer = "https://ours.example", Audiences = ["hoopgate"] },
            new OidcIssuerOptions { Issuer = "https://partner.example", Audiences = ["hoopgate"], GroupPrefix = "partner:" },
        ],
    };

    [Fact]
    public void A_prefixed_issuers_groups_carry_its_prefix()
    {
        var partner = new IssuerGroups(TwoIssuers, "https://partner.example");

        Assert.Equal("partner:admins", partner.Name("admins"));
        Assert.Equal("partner:partner:x", partner.Name("partner:x"));
    }

    [Fact]
    public void The_unprefixed_issuers_groups_that_read_as_anothers_are_dropped_and_the_rest_kept()
    {
        var ours = new IssuerGroups(TwoIssuers, "https://ours.example");

        Assert.Null(ours.Name("partner:admins"));
        Assert.Equal("admins", ours.Name("admins"));
        Assert.Equal("Partner:admins", ours.Name("Partner:admins"));
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("p:", "p:")]
    [InlineData("p:", "p:x:")]
    public void Several_issuers_need_distinct_prefixes_none_the_start_of_another(string? first, string? second)
    {
        var options = new OidcOptions
        {
            Issuers =
            [
                new OidcIssuerOptions { Issuer = "https://ours.example", Audiences = ["hoopgate"], GroupPrefix = first },
                new OidcIssuerOptions { Issuer = "https://partner.example", Audiences = ["hoopgate"], GroupPrefix = second },
            ],
        };

        var result = new OidcOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("GroupPrefix", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void One_unprefixed_issuer_beside_a_prefixed_one_is_valid()
    {
        Assert.True(new OidcOptionsValidator().Validate(null, TwoIssuers).Succeeded);
    }
}
