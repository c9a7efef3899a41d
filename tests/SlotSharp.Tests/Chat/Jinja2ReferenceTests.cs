using System.Text.Json;
using SlotSharp.Chat;

namespace SlotSharp.Tests.Chat;

/// <summary>
/// Feature snippets (whitespace control, literals, filters, tests, loops, scoping, macros) compared with what Python
/// Jinja2 3.1.6 rendered in transformers' environment: Chat/jinja2_reference.json, made by make_jinja2_reference.py.
/// </summary>
public class Jinja2ReferenceTests
{
    static readonly DateTime FixedClock = new(2024, 7, 5, 9, 3, 7);

    public static IEnumerable<object[]> Cases()
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(ReferencePath));
        var i = 0;
        foreach (var _ in doc.RootElement.GetProperty("cases").EnumerateArray()) yield return [i++];
    }

    static string ReferencePath => Path.Combine(AppContext.BaseDirectory, "Chat", "jinja2_reference.json");

    [SkippableTheory]
    [MemberData(nameof(Cases))]
    public void MatchesPythonJinja2(int index)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(ReferencePath));
        var context = new Dictionary<string, object?>();
        foreach (var p in doc.RootElement.GetProperty("context").EnumerateObject()) context[p.Name] = TemplateValues.FromJson(p.Value);
        var c = doc.RootElement.GetProperty("cases")[index];
        if (c.TryGetProperty("ctx", out var own))
            foreach (var p in own.EnumerateObject()) context[p.Name] = TemplateValues.FromJson(p.Value);
        var source = c.GetProperty("t").GetString()!;
        var template = ChatTemplate.Parse(source, new ChatTemplateOptions { Clock = () => FixedClock });
        // messages/add_generation_prompt/tools come from the context like any other variable here.
        string Render() => template.RenderValues(context.TryGetValue("messages", out var m) ? (List<object?>)m! : [],
            context.TryGetValue("add_generation_prompt", out var g) && g is true, context,
            context.TryGetValue("tools", out var t) ? (List<object?>?)t : null);
        if (c.TryGetProperty("err", out var err))
        {
            // Python: "UndefinedError: 'missing' is undefined" — the same message, plus our position.
            var e = Assert.Throws<ChatTemplateException>(Render);
            var expected = err.GetString()!;
            var pythonMessage = expected[(expected.IndexOf(": ", StringComparison.Ordinal) + 2)..];
            Assert.Contains(pythonMessage, e.Message);
            if (expected.StartsWith("TemplateError:", StringComparison.Ordinal))
                Assert.Equal((ChatTemplateErrorKind.RaisedByTemplate, pythonMessage), (e.Kind, e.TemplateMessage));
            return;
        }
        Assert.Equal(c.GetProperty("out").GetString(), Render());
    }
}
