using SlotSharp.Chat;
using Xunit.Abstractions;

namespace SlotSharp.Tests.Chat;

/// <summary>Every golden_chat.json case must render byte-identically to transformers' apply_chat_template.</summary>
public class ChatTemplateGoldenTests(ITestOutputHelper output)
{
    [SkippableTheory]
    [InlineData("qwen2.5", 14)]
    [InlineData("qwen3", 15)]
    [InlineData("llama3", 12)]
    [InlineData("llama3.1", 14)]
    [InlineData("deepseek-r1-distill-qwen", 24)]
    public void RendersEveryGoldenCaseByteIdentically(string folder, int expectedCases)
    {
        var cases = GoldenChatCase.Load(folder);
        Assert.Equal(expectedCases, cases.Count);
        var failures = new List<string>();
        var templates = new Dictionary<string, ChatTemplate>();
        foreach (var c in cases)
        {
            var source = c.TemplateSource();
            if (!templates.TryGetValue(source, out var template)) templates[source] = template = ChatTemplate.Parse(source);
            string actual;
            try { actual = c.Render(template); }
            catch (Exception e) { failures.Add($"{c}: threw {e.GetType().Name}: {e.Message}"); continue; }
            if (actual != c.Rendered) failures.Add($"{c}: {FirstDifference(c.Rendered, actual)}");
        }
        output.WriteLine($"{folder}: {cases.Count - failures.Count}/{cases.Count} golden renders identical");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    static string FirstDifference(string expected, string actual)
    {
        var i = 0;
        while (i < expected.Length && i < actual.Length && expected[i] == actual[i]) i++;
        string Around(string s) => System.Text.Json.JsonSerializer.Serialize(s.Substring(Math.Max(0, i - 30), Math.Min(s.Length, i + 30) - Math.Max(0, i - 30)));
        return $"differs at char {i} (lengths {expected.Length}/{actual.Length}): expected …{Around(expected)}… got …{Around(actual)}…";
    }
}
