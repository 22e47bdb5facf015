# Makes victims.csv: a synthetic victim-satisfaction survey with the structure of a
# police force's one (strata = forces, PSUs = neighbourhoods within forces, unequal
# weights, an fpc of neighbourhoods per force, missing answers, one force with a single
# neighbourhood sampled: a lonely PSU). Run: Rscript victims.R  (R 4.2, base R only)
set.seed(20251202)
forces <- c(A = 9, B = 7, C = 6, D = 5, E = 1)   # neighbourhoods sampled per force
popn <- c(A = 60, B = 45, C = 30, D = 25, E = 12) # neighbourhoods per force
rows <- list()
nb <- 0
for (f in names(forces)) {
  for (j in seq_len(forces[[f]])) {
    nb <- nb + 1
    m <- sample(4:12, 1)
    region <- if (f %in% c("A", "B")) "North" else "South"
    age <- sample(c("16-24", "25-44", "45-64", "65+"), m, replace = TRUE,
                  prob = c(.2, .35, .3, .15))
    ethnicity <- sample(c("White", "Black", "Asian", "Mixed", "Other"), m, replace = TRUE,
                        prob = c(.6, .12, .15, .08, .05))
    contacts <- rpois(m, 2)
    area <- rnorm(1, 0, 0.6)
    eta <- 0.4 + area - 0.35 * contacts + ifelse(age == "65+", 0.8, 0) +
      ifelse(age == "16-24", -0.5, 0) + ifelse(ethnicity == "White", 0.3, 0)
    satisfied <- rbinom(m, 1, plogis(eta))
    score <- round(6 + 2 * area - 0.5 * contacts + ifelse(age == "65+", 1, 0) +
                     rnorm(m, 0, 1.5), 1)
    w <- round(runif(m, 20, 120), 2)
    rows[[nb]] <- data.frame(force = f, area = nb, region = region, age = age,
                             ethnicity = ethnicity, contacts = contacts,
                             satisfied = satisfied, score = score, w = w,
                             N = popn[[f]])
  }
}
d <- do.call(rbind, rows)
d$contacts[sample(nrow(d), 8)] <- NA
d$ethnicity[sample(nrow(d), 6)] <- NA
write.csv(d, "victims.csv", row.names = FALSE)
