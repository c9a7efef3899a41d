using System.Reflection;

namespace SlotSharp.Tests;

/// <summary>Rules every test in this assembly keeps (docs/contributing.md).</summary>
public class ConventionTests
{
    /// <summary>
    /// A test that meets a missing shared asset throws <see cref="SkipException"/> (SharedAssets.Require); only
    /// [SkippableFact]/[SkippableTheory] report that as a skip, a plain [Fact]/[Theory] reports it as a failure, so the
    /// README's test command would fail on a clone without ../shared.
    /// </summary>
    [SkippableFact]
    public void EveryTestIsSkippable()
    {
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var tests = typeof(ConventionTests).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(all).SelectMany(m => m.GetCustomAttributes<FactAttribute>(inherit: true)
                .Select(a => (Name: $"{t.FullName}.{m.Name}", Attribute: a))))
            .ToList();
        // Not vacuous: the lookup sees this very test.
        Assert.Contains(tests, t => t.Name == $"{typeof(ConventionTests).FullName}.{nameof(EveryTestIsSkippable)}");
        var plain = tests.Where(t => t.Attribute is not (SkippableFactAttribute or SkippableTheoryAttribute))
            .Select(t => $"{t.Name}: [{t.Attribute.GetType().Name}]")
            .Order()
            .ToList();
        Assert.True(plain.Count == 0,
            "use [SkippableFact]/[SkippableTheory] instead of [Fact]/[Theory], so that a missing shared asset skips rather "
            + "than fails:\n  " + string.Join("\n  ", plain));
    }
}
