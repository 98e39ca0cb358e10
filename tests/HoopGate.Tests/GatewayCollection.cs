using HoopGate.Testing;

namespace HoopGate.Tests;

/// <summary>Tests that talk to a real gateway share one PostgreSQL cluster and one gateway, and run one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class GatewayCollection : ICollectionFixture<GatewayFixture>
{
    public const string Name = "gateway";
}
