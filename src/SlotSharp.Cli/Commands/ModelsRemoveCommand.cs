using System.CommandLine;
using SlotSharp.Hub;

namespace SlotSharp.Cli.Commands;

/// <summary>
/// `slot models rm REPO [--revision R] [--yes]`: removes a cached repository, or one revision of it (its snapshot, the
/// refs naming it and the blobs no other revision uses), never a file outside the cache. Refuses while a process has
/// one of those files open or mapped (a running `slot serve`), and asks first unless --yes.
/// </summary>
internal static class ModelsRemoveCommand
{
    public static Command Create()
    {
        var repoId = new Argument<string>("repo-id") { Description = "Cached repository, e.g. Qwen/Qwen2.5-0.5B-Instruct (slot models list shows them)" };
        var revision = new Option<string?>("--revision") { Description = "Remove only this revision: a ref (main), a commit or its first digits (default: the whole repository)" };
        var repoType = new Option<string>("--repo-type") { Description = "model, dataset or space", DefaultValueFactory = _ => "model" };
        repoType.AcceptOnlyFromAmong("model", "dataset", "space");
        var yes = new Option<bool>("--yes", "-y") { Description = "Remove without asking (needed when stdin is not a terminal)" };

        var cmd = new Command("rm", "Remove a cached repository or one of its revisions, freeing the blobs nothing else uses");
        cmd.Aliases.Add("remove");
        cmd.Arguments.Add(repoId);
        foreach (var o in new Option[] { revision, repoType, yes }) cmd.Options.Add(o);
        cmd.SetAction(parse => Run(parse.GetValue(repoId)!, parse.GetValue(repoType)!, parse.GetValue(revision), parse.GetValue(yes)));
        return cmd;
    }

    static int Run(string id, string type, string? revision, bool yes)
    {
        var settings = HubSettings.FromEnvironment();
        if (!Directory.Exists(settings.CacheDir))
            throw new UserInputException($"there is no Hugging Face cache at '{settings.CacheDir}' (nothing downloaded, or {settings.CacheDirVariable ?? "HF_HUB_CACHE"} points elsewhere)");
        var report = HubCacheScan.Scan(settings.CacheDir);
        var repo = report.Repos.SingleOrDefault(r => r.Id == id && r.Type == type) ?? throw NotCached(report, id, type);
        var plan = HubCacheRemoval.Plan(repo, revision == null ? null : [Find(repo, revision)]);
        string what = plan.WholeRepo
            ? $"{type} '{id}' ({plan.Revisions.Count} revision(s), {ModelsCommand.FormatSize(plan.FreedBytes)})"
            : $"revision {ModelsCommand.Revision(plan.Revisions[0])} of {type} '{id}' ({ModelsCommand.FormatSize(plan.FreedBytes)})";

        CheckNotInUse(plan, what, yes);
        if (!yes)
        {
            if (Console.IsInputRedirected)
                throw new UserInputException($"not removing {what} without a confirmation: stdin is not a terminal, pass --yes to remove it");
            Console.Error.Write(plan.WholeRepo
                ? $"Remove {plan.Revisions.Count} revision(s) of {type} '{id}' ({ModelsCommand.FormatSize(plan.FreedBytes)})? [y/N] "
                : $"Remove {what}? [y/N] ");
            if (Console.ReadLine()?.Trim().ToLowerInvariant() is not ("y" or "yes"))
            {
                Console.Error.WriteLine("Nothing removed.");
                return 0;
            }
        }
        var failures = HubCacheRemoval.Execute(plan, report.CacheDir);
        foreach (var f in failures) Console.Error.WriteLine($"warning: {f}");
        Console.WriteLine($"Removed {what}.");
        // Something left behind is not the user's mistake, but a script must see it.
        return failures.Count == 0 ? 0 : 1;
    }

    /// <summary>The revision a ref, a commit or a unique commit prefix names.</summary>
    static CachedRevision Find(CachedRepo repo, string revision)
    {
        var byRef = repo.Revisions.Where(r => r.Refs.Contains(revision)).ToList();
        var byCommit = byRef.Count > 0 ? byRef : repo.Revisions.Where(r => r.Commit.StartsWith(revision, StringComparison.Ordinal)).ToList();
        if (byCommit.Count == 1 && (byRef.Count == 1 || revision.Length >= 4)) return byCommit[0];
        var cached = string.Join(", ", repo.Revisions.Select(ModelsCommand.Revision));
        throw new UserInputException(byCommit.Count > 1
            ? $"--revision '{revision}' matches {byCommit.Count} revisions of {repo.Type} '{repo.Id}' ({cached}): give more digits"
            : $"--revision: {repo.Type} '{repo.Id}' has no cached revision '{revision}' (cached: {(cached.Length == 0 ? "none" : cached)})");
    }

    static UserInputException NotCached(HubCacheReport report, string id, string type)
    {
        var other = report.Repos.FirstOrDefault(r => r.Id == id);
        return new UserInputException($"no {type} '{id}' in the cache '{report.CacheDir}'" +
            (other != null ? $" (a {other.Type} of that name is there: --repo-type {other.Type})" : "; slot models list shows what is there"));
    }

    /// <summary>Refuses while a process holds a file the plan deletes; without /proc, only with --yes.</summary>
    static void CheckNotInUse(HubCacheRemovalPlan plan, string what, bool yes)
    {
        var check = plan.WholeRepo
            ? HubCacheUsage.Find([], [HubCachePaths.Real(plan.Repo.Folder)])
            : HubCacheUsage.Find([.. plan.Blobs.Select(HubCachePaths.Real)], [.. plan.Snapshots.Select(HubCachePaths.Real)]);
        if (!check.Checked)
        {
            if (!yes) throw new UserInputException($"cannot tell whether a running process (a slot serve) has {what} open: {check.WhyNot}; pass --yes to remove it anyway");
            Console.Error.WriteLine($"warning: not checked whether a running process has it open: {check.WhyNot}");
            return;
        }
        if (check.Holders.Count > 0)
        {
            var h = check.Holders[0];
            var more = check.Holders.Count > 1 ? $" (and {check.Holders.Count - 1} more process(es))" : "";
            throw new UserInputException($"not removing {what}: process {h.Pid} ({h.Name}: {h.CommandLine}) has '{h.Path}' open{more}; stop it first");
        }
        if (check.Unreadable > 0)
            Console.Error.WriteLine($"note: the open files of {check.Unreadable} process(es) of other users could not be read; one of them could still be using it");
    }
}
