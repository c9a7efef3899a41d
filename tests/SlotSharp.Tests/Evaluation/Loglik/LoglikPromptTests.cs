using SlotSharp.Evaluation.Loglik;

namespace SlotSharp.Tests.Evaluation.Loglik;

/// <summary>
/// The five tasks' requests against lm-evaluation-harness's renders of the same rows (LoglikFixtures): every context
/// and continuation byte for byte, the choices acc_norm measures (and their lengths in Python characters), the gold.
/// The rows hold what the prompt code must get right: numeric ARC labels, five choices, a non-BMP emoji, HellaSwag's
/// WikiHow brackets, double spaces and an upper-case ctx_b for str.capitalize, an MMLU question and choices with
/// surrounding whitespace and newlines, a PIQA goal ending in spaces, a Winogrande sentence with trailing spaces and
/// an option ending in a space.
/// </summary>
public class LoglikPromptTests
{
    [SkippableTheory]
    [InlineData("arc_challenge")]
    [InlineData("hellaswag")]
    [InlineData("mmlu")]
    [InlineData("piqa")]
    [InlineData("winogrande")]
    public void RequestsAreByteIdenticalToLmEvaluationHarnesssRenders(string task)
    {
        var reference = LoglikFixtures.Renders(task);
        var docs = LoglikTask.ByName(task).Load(LoglikFixtures.Rows(task));
        Assert.Equal(reference.Count, docs.Count);
        for (int i = 0; i < docs.Count; i++)
        {
            var r = reference[i]!;
            var requests = r["requests"]!.AsArray().Select(p => new LoglikRequest((string)p![0]!, (string)p[1]!)).ToList();
            Assert.Equal(requests, docs[i].Requests);
            Assert.Equal(r["choices"]!.AsArray().Select(c => (string)c!).ToList(), docs[i].Choices);
            Assert.Equal((int)r["gold"]!, docs[i].Gold);
            Assert.Equal(r["completion_len"]!.AsArray().Select(c => (double)c!).ToList(),
                docs[i].Choices.Select(c => (double)PythonText.Length(c)).ToList());
        }
    }

    [SkippableFact]
    public void TheMetricsAreTheOnesEachTaskYamlLists()
    {
        Assert.Equal(["acc", "acc_norm"], LoglikTask.ByName("arc-challenge").Metrics);
        Assert.Equal(["acc", "acc_norm"], LoglikTask.ByName("hellaswag").Metrics);
        Assert.Equal(["acc", "acc_norm"], LoglikTask.ByName("piqa").Metrics);
        Assert.Equal(["acc"], LoglikTask.ByName("mmlu").Metrics);
        Assert.Equal(["acc"], LoglikTask.ByName("winogrande").Metrics);
    }

    [SkippableFact]
    public void AnMmluLimitKeepsTheFirstDocumentsOfEachSubject()
    {
        // Rows: abstract_algebra, high_school_computer_science twice, college_biology (the harness runs one task per subject).
        var docs = LoglikTask.ByName("mmlu").Load(LoglikFixtures.Rows("mmlu"));
        Assert.Equal([0, 1, 3], LoglikTask.Select(docs, 1).Select(d => d.Index));
        Assert.Equal([0, 1, 2, 3], LoglikTask.Select(docs, 2).Select(d => d.Index));
        var arc = LoglikTask.ByName("arc_challenge").Load(LoglikFixtures.Rows("arc_challenge"));
        Assert.Equal([0, 1], LoglikTask.Select(arc, 2).Select(d => d.Index));
    }

    [SkippableFact]
    public void ABadRowNamesTheDataTheRowAndTheField()
    {
        var dir = Directory.CreateTempSubdirectory("slotsharp-loglik-").FullName;
        try
        {
            var file = System.IO.Path.Combine(dir, "w.jsonl");
            File.WriteAllText(file, "{\"sentence\": \"no blank here\", \"option1\": \"a\", \"option2\": \"b\", \"answer\": \"1\"}\n");
            var e = Assert.Throws<SlotSharpException>(() => LoglikTask.ByName("winogrande").Load(file));
            Assert.Equal($"data '{file}' row 0: the sentence has no '_' to fill", e.Message);
            File.WriteAllText(file, "{\"goal\": \"g\", \"sol1\": \"a\", \"sol2\": \"b\", \"label\": 2}\n");
            e = Assert.Throws<SlotSharpException>(() => LoglikTask.ByName("piqa").Load(file));
            Assert.Equal($"data '{file}' row 0: 'label' 2 is not one of the 2 choices", e.Message);
        }
        finally { Directory.Delete(dir, true); }
    }
}
