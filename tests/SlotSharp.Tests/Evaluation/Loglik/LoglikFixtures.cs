using System.Text.Json.Nodes;

namespace SlotSharp.Tests.Evaluation.Loglik;

/// <summary>
/// The hand-written rows of Fixtures/*.jsonl (the Hub datasets' columns) and lm_eval_renders.json, which
/// Fixtures/lm_eval_render.py wrote by running lm-evaluation-harness's own task YAMLs and preprocessing code (commit
/// 4e7e0d47f33bc71070c1d38394bafbb52b117163) on those rows.
/// </summary>
internal static class LoglikFixtures
{
    public static string Path(string name) => System.IO.Path.Combine(AppContext.BaseDirectory, "Evaluation", "Loglik", "Fixtures", name);

    public static string Rows(string task) => Path(task + ".jsonl");

    public static JsonArray Renders(string task) => JsonNode.Parse(File.ReadAllText(Path("lm_eval_renders.json")))![task]!.AsArray();
}
