using Xunit.Abstractions;
using Xunit.Sdk;

namespace HoopGate.Tests.Gateway;

/// <summary>
/// Orders a class's tests by name, with those marked <see cref="RunLastAttribute"/> at the end, so that a
/// closing check ("the gateway survived all of that") really runs after the abuse it checks.
/// </summary>
public sealed class RunLastOrderer : ITestCaseOrderer
{
    public const string TypeName = "HoopGate.Tests.Gateway.RunLastOrderer";

    public const string AssemblyName = "HoopGate.Tests";

    public IEnumerable<TTestCase> OrderTestCases<TTestCase>(IEnumerable<TTestCase> testCases)
        where TTestCase : ITestCase =>
        testCases
            .OrderBy(t => t.TestMethod.Method.GetCustomAttributes(typeof(RunLastAttribute).AssemblyQualifiedName).Any() ? 1 : 0)
            .ThenBy(t => t.DisplayName, StringComparer.Ordinal);
}
