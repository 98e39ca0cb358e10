namespace HoopGate.Tests.Gateway;

/// <summary>Marks a test that <see cref="RunLastOrderer"/> runs after every other test of its class.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RunLastAttribute : Attribute
{
}
